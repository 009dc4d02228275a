// slow-body (R.U.D.Y.): an upload dripping below the floor is cut off; a steady one is not.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlowBodyGuard } from '../../../src/http/slow-body.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A destroyed stream emits 'error' on the next tick, which fake timers do not run: let it happen. */
const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

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
    // Still alive after five windows: checked before end() so a cut-off could not hide behind it.
    await nextTick();
    expect(guard.errored).toBeNull();
    expect(failed).toBe(false);
    guard.end();
    await new Promise((resolve) => guard.once('end', resolve));
  });

  it('cuts off a body that was steady and then stalls', async () => {
    const guard = new SlowBodyGuard({ windowMs: 1000, minBytes: 100 });
    const failure = new Promise<Error>((resolve) => guard.once('error', resolve));
    guard.resume();
    guard.write(Buffer.alloc(150));
    vi.advanceTimersByTime(1000);
    expect(guard.errored).toBeNull();
    vi.advanceTimersByTime(1000);
    expect(await failure).toMatchObject({ code: 'REQUEST_TIMEOUT' });
  });

  it('stops watching once the body has ended', async () => {
    const guard = new SlowBodyGuard({ windowMs: 1000, minBytes: 100 });
    let failed = false;
    guard.once('error', () => (failed = true));
    guard.resume();
    // Far below the floor: only the end of the body can keep the guard from firing.
    guard.end(Buffer.alloc(1));
    await new Promise((resolve) => guard.once('end', resolve));
    // The window timer is gone, not merely harmless.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    await nextTick();
    expect(guard.errored).toBeNull();
    expect(failed).toBe(false);
  });
});
