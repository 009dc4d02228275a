// The free-space floor: when a creation is refused, how often statfs runs, and when space counts as back.
import { describe, expect, it } from 'vitest';
import { DISK_CACHE_MS, DiskGuard, SPACE_BACK_BYTES, isLow, spaceIsBack } from '../../../src/core/disk-guard.js';
import type { DiskState } from '../../../src/core/disk-guard.js';
import { AppError } from '../../../src/core/errors.js';

const MiB = 1024 * 1024;

/** A probe whose answers the test sets, counting how often it is asked. */
function probe(initial: Record<string, number>) {
  const state = { free: initial, calls: 0 };
  return {
    state,
    measure: async () => {
      state.calls++;
      return state.free;
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('isLow', () => {
  it('is low under the floor, at the floor it is not', () => {
    expect(isLow(100 * MiB, 256 * MiB)).toBe(true);
    expect(isLow(256 * MiB, 256 * MiB)).toBe(false);
    expect(isLow(257 * MiB, 256 * MiB)).toBe(false);
  });

  it('counts the declared size of the body about to be stored', () => {
    expect(isLow(300 * MiB, 256 * MiB, 40 * MiB)).toBe(false);
    expect(isLow(300 * MiB, 256 * MiB, 50 * MiB)).toBe(true);
    // No floor: only a body that cannot fit at all is refused.
    expect(isLow(10 * MiB, 0, 10 * MiB)).toBe(false);
    expect(isLow(10 * MiB, 0, 10 * MiB + 1)).toBe(true);
  });

  it('a disk with no byte left is low even without a floor', () => {
    expect(isLow(0, 0)).toBe(true);
    expect(isLow(1, 0)).toBe(false);
  });
});

describe('DiskGuard', () => {
  it('admits above the floor and refuses under it with 507 INSUFFICIENT_STORAGE and a retry_after', async () => {
    const source = probe({ data: 300 * MiB });
    let now = 0;
    const guard = new DiskGuard(source, 256 * MiB, () => now);
    await guard.admit();
    await guard.admit(44 * MiB);
    const error = await refusal(guard.admit(45 * MiB));
    expect(error.code).toBe('INSUFFICIENT_STORAGE');
    expect(error.status).toBe(507);
    expect(error.extra['retry_after']).toBeGreaterThan(0);
    source.state.free = { data: 200 * MiB };
    now += DISK_CACHE_MS;
    expect((await refusal(guard.admit())).code).toBe('INSUFFICIENT_STORAGE');
  });

  it('takes the fullest location: blobs on another filesystem count', async () => {
    const guard = new DiskGuard(probe({ data: 10_000 * MiB, blobs: 100 * MiB }), 256 * MiB);
    const state = await guard.state();
    expect(state.free).toBe(100 * MiB);
    expect(state.perLocation).toEqual({ data: 10_000 * MiB, blobs: 100 * MiB });
    expect(state.low).toBe(true);
  });

  it('measures at most once per cache window, and concurrent callers share one measurement', async () => {
    const source = probe({ data: 500 * MiB });
    let now = 1000;
    const guard = new DiskGuard(source, 0, () => now);
    await Promise.all([guard.state(), guard.state(), guard.admit(), guard.admit()]);
    expect(source.state.calls).toBe(1);
    now += DISK_CACHE_MS - 1;
    source.state.free = { data: 0 };
    // Still the cached measurement: a creation in the window is admitted on it.
    await guard.admit();
    expect(source.state.calls).toBe(1);
    now += 1;
    expect((await guard.state()).free).toBe(0);
    expect(source.state.calls).toBe(2);
    expect((await refusal(guard.admit())).code).toBe('INSUFFICIENT_STORAGE');
  });

  it('tells the listener about every fresh measurement, not about cached ones', async () => {
    const seen: DiskState[] = [];
    let now = 0;
    const guard = new DiskGuard(probe({ data: 42 }), 7, () => now, (state) => seen.push(state));
    await guard.state();
    await guard.state();
    now += DISK_CACHE_MS;
    await guard.state();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({ free: 42, perLocation: { data: 42 }, floor: 7, low: false });
  });

  it('a failing measurement reaches the caller and is retried next time', async () => {
    let fail = true;
    const guard = new DiskGuard({ measure: async () => (fail ? Promise.reject(new Error('statfs failed')) : { data: MiB }) }, 0);
    await expect(guard.state()).rejects.toThrow('statfs failed');
    fail = false;
    expect((await guard.state()).free).toBe(MiB);
  });
});

describe('spaceIsBack', () => {
  it('needs SPACE_BACK_BYTES above the floor', () => {
    const state = (free: number, floor: number): DiskState => ({ free, floor, perLocation: { data: free }, low: isLow(free, floor) });
    expect(spaceIsBack(state(SPACE_BACK_BYTES - 1, 0))).toBe(false);
    expect(spaceIsBack(state(SPACE_BACK_BYTES, 0))).toBe(true);
    expect(spaceIsBack(state(256 * MiB + SPACE_BACK_BYTES - 1, 256 * MiB))).toBe(false);
    expect(spaceIsBack(state(256 * MiB + SPACE_BACK_BYTES, 256 * MiB))).toBe(true);
  });
});
