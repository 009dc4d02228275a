// slow-body (R.U.D.Y.): an upload dripping below the floor is cut off; a steady one is not.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlowBodyGuard } from '../../../src/http/slow-body.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SlowBodyGuard', () => {
  it('cuts off a body that sends too little within a window', async () => {
    const guard = new SlowBodyGuard({ windowMs: 1000, minBytes: 100 });
    const failure = new Promise<Error>((resolve) => guard.once('error', resolve));
    guard.resume();
    guard.write(Buffer.alloc(10));
    vi.advanceTimersByTime(1000);
    const error = await failure;
    expect(error).toMatchObject({ code: 'REQUEST_TIMEOUT' });
  });

  it('lets a steady body through, window after window', async () => {
    const guard = new SlowBodyGuard({ windowMs: 1000, minBytes: 100 });
    let failed = false;
    guard.once('error', () => (failed = true));
    guard.resume();
    for (let window = 0; window < 5; window++) {
      guard.write(Buffer.alloc(150));
      vi.advanceTimersByTime(1000);
    }
    guard.end();
    await new Promise((resolve) => guard.once('end', resolve));
    expect(failed).toBe(false);
  });

  it('stops watching once the body has ended', () => {
    const guard = new SlowBodyGuard({ windowMs: 1000, minBytes: 100 });
    let failed = false;
    guard.once('error', () => (failed = true));
    guard.resume();
    guard.end(Buffer.alloc(1));
    vi.advanceTimersByTime(5000);
    expect(failed).toBe(false);
  });
});
