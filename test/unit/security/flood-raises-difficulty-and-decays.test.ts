// flood-raises-difficulty-and-decays: more than `threshold` creations in a (fixed) window raise the
// PoW difficulty by `step` (one level per breach, capped at `max`); a breach in every window keeps it
// rising, a whole window without a breach brings it back to base. Challenges stockpiled before a
// rise are stale. Time is the injected clock.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AntiFlood } from '../../../src/security/antiflood.js';
import type { FloodPolicy } from '../../../src/security/antiflood.js';
import { ProofOfWork, solve } from '../../../src/security/pow.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock, T0 } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';

const POLICY: FloodPolicy = { base: 8, max: 14, threshold: 5, windowSeconds: 60, step: 2 };

let clock: FakeClock;
let counters: MemoryCounterStore;

beforeEach(() => {
  clock = fakeClock();
  counters = new MemoryCounterStore(clock);
});
afterEach(async () => {
  await counters.close();
});

function flood(policy: Partial<FloodPolicy> = {}): AntiFlood {
  return new AntiFlood({ ...POLICY, ...policy }, counters, clock);
}

async function create(guard: AntiFlood, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await guard.recordCreation();
}

describe('flood-raises-difficulty-and-decays', () => {
  it('starts at the base difficulty', async () => {
    expect(T0 % POLICY.windowSeconds).toBe(0);
    expect(await flood().difficulty()).toBe(8);
  });

  it('threshold creations in a window do not raise it; one more does, by one step', async () => {
    const guard = flood();
    await create(guard, 5);
    expect(await guard.difficulty()).toBe(8);
    await create(guard, 1);
    expect(await guard.difficulty()).toBe(10);
  });

  it('raises once per window however large the flood inside it', async () => {
    const guard = flood();
    await create(guard, 200);
    expect(await guard.difficulty()).toBe(10);
  });

  it('breaches in consecutive windows stack up to the maximum and no further', async () => {
    const guard = flood();
    const seen: number[] = [];
    for (let window = 0; window < 6; window++) {
      // Each breach comes a little earlier in its window than the last one did.
      clock.set(T0 + window * 60 + 50 - window * 5);
      await create(guard, 6);
      seen.push(await guard.difficulty());
    }
    expect(seen).toEqual([10, 12, 14, 14, 14, 14]);
  });

  it('a steady flood (the breach at the same second of every window) keeps escalating to the maximum', async () => {
    // A constant-rate bot crosses the threshold at the same offset in each window, i.e. exactly one
    // window after its previous breach. No window passes without a breach, so nothing may decay.
    const guard = flood();
    const seen: number[] = [];
    for (let window = 0; window < 5; window++) {
      clock.set(T0 + window * 60 + 1);
      await create(guard, 6);
      seen.push(await guard.difficulty());
    }
    expect(seen).toEqual([10, 12, 14, 14, 14]);
  });

  it('stays raised through the rest of the breach window and the whole next one; a quiet window later it is base', async () => {
    const guard = flood();
    clock.set(T0 + 10);
    await create(guard, 6); // breach in window [T0, T0+60)
    for (const t of [T0 + 59, T0 + 60, T0 + 119]) {
      clock.set(t);
      expect(await guard.difficulty(), `at T0+${t - T0}`).toBe(10);
    }
    // [T0+60, T0+120) passed without a breach: back to base.
    clock.set(T0 + 120);
    expect(await guard.difficulty()).toBe(8);
  });

  it('a late breach in its window still keeps the level for the whole next window', async () => {
    const guard = flood();
    clock.set(T0 + 59);
    await create(guard, 6);
    clock.set(T0 + 119);
    expect(await guard.difficulty()).toBe(10);
    clock.set(T0 + 120);
    expect(await guard.difficulty()).toBe(8);
  });

  it('each breach extends the level; after the flood stops it returns to base all at once', async () => {
    const guard = flood();
    clock.set(T0 + 30);
    await create(guard, 6);
    clock.set(T0 + 60 + 50); // a breach in the next window
    await create(guard, 6);
    expect(await guard.difficulty()).toBe(12);
    clock.set(T0 + 179);
    expect(await guard.difficulty()).toBe(12);
    clock.set(T0 + 180);
    expect(await guard.difficulty()).toBe(8);
  });

  it('a window without a breach between two breaches resets the level (no stacking across quiet windows)', async () => {
    const guard = flood();
    clock.set(T0 + 5);
    await create(guard, 6);
    clock.set(T0 + 120 + 5); // window [T0+60, T0+120) was quiet
    expect(await guard.difficulty()).toBe(8);
    await create(guard, 6);
    expect(await guard.difficulty()).toBe(10);
  });

  it('a steady rate at the threshold never raises it', async () => {
    const guard = flood();
    for (let window = 0; window < 10; window++) {
      clock.set(T0 + window * 60);
      await create(guard, 5);
      expect(await guard.difficulty()).toBe(8);
    }
  });

  it('counts fixed windows: a burst split across a window boundary is two windows', async () => {
    const guard = flood();
    clock.set(T0 + 59);
    await create(guard, 5);
    clock.set(T0 + 60);
    await create(guard, 5);
    expect(await guard.difficulty()).toBe(8);
    await create(guard, 1);
    expect(await guard.difficulty()).toBe(10);
  });

  it('stays off when the base difficulty is 0 (PoW disabled), whatever the flood', async () => {
    const guard = flood({ base: 0 });
    await create(guard, 100);
    expect(await guard.difficulty()).toBe(0);
  });

  it('never goes above max, and a step of 0 never raises', async () => {
    const capped = flood({ base: 8, max: 9, step: 4 });
    await create(capped, 6);
    expect(await capped.difficulty()).toBe(9);
    await counters.close();
    counters = new MemoryCounterStore(clock);
    const flat = flood({ step: 0 });
    await create(flat, 50);
    expect(await flat.difficulty()).toBe(8);
  });

  it('shares the level between instances using one CounterStore', async () => {
    const a = flood();
    const b = flood();
    await create(a, 3);
    await create(b, 3);
    expect(await a.difficulty()).toBe(10);
    expect(await b.difficulty()).toBe(10);
  });
});

describe('flood-raises-difficulty-and-decays: challenges stockpiled before a rise are stale', () => {
  it('refuses a cheap token solved before the rise with POW_INVALID and the current difficulty', async () => {
    const guard = flood();
    const pow = new ProofOfWork(randomBytes(32), counters, clock);
    const stockpile = Array.from({ length: 3 }, () => pow.issue('create', 8));
    await create(guard, 6);
    const required = await guard.difficulty();
    expect(required).toBe(10);
    for (const challenge of stockpile) {
      const error = await pow.verify('create', challenge.token as string, solve(challenge.nonce as string, 8), required).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'POW_INVALID', status: 400, extra: { difficulty: 10 } });
    }
    // A challenge issued at the raised difficulty passes.
    const fresh = pow.issue('create', required);
    await expect(pow.verify('create', fresh.token as string, solve(fresh.nonce as string, required), required)).resolves.toBeUndefined();
  });

  it('after the decay, a harder token issued during the flood is still good (more work than needed)', async () => {
    const guard = flood();
    const pow = new ProofOfWork(randomBytes(32), counters, clock);
    await create(guard, 6);
    const hard = pow.issue('create', await guard.difficulty());
    clock.advance(120);
    expect(await guard.difficulty()).toBe(8);
    await expect(pow.verify('create', hard.token as string, solve(hard.nonce as string, 10), 8)).resolves.toBeUndefined();
  });
});
