// watchForCa: polls until a CA exists, announces it exactly once, then stops polling; a failing look
// is reported and retried; stop() ends it. Fake timers, no waiting.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchForCa } from '../../../src/ops/ca-watch.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('watchForCa', () => {
  it('announces the CA once, at the first poll that finds it, and stops polling', async () => {
    let exists = false;
    const looks = vi.fn(async () => exists);
    const found = vi.fn(async () => undefined);
    watchForCa(looks, found, 1000, (error) => {
      throw error;
    });
    await vi.advanceTimersByTimeAsync(3000);
    expect(looks).toHaveBeenCalledTimes(3);
    expect(found).not.toHaveBeenCalled();
    exists = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(found).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(looks).toHaveBeenCalledTimes(4);
    expect(found).toHaveBeenCalledTimes(1);
  });

  it('reports a failed look and tries again at the next interval', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const found = vi.fn(async () => undefined);
    watchForCa(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database unreachable');
        return true;
      },
      found,
      1000,
      (error) => errors.push(error),
    );
    await vi.advanceTimersByTimeAsync(2000);
    expect(errors).toHaveLength(1);
    expect(found).toHaveBeenCalledTimes(1);
  });

  it('stop() ends polling before a CA appears', async () => {
    const looks = vi.fn(async () => false);
    const watch = watchForCa(looks, async () => undefined, 1000, () => undefined);
    await vi.advanceTimersByTimeAsync(1000);
    watch.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(looks).toHaveBeenCalledTimes(1);
  });
});
