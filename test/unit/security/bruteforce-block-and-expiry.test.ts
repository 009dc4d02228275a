// bruteforce-block-and-expiry: guessing ids shows as failed lookups; the one that reaches the
// maximum blocks that client group for that action (valid lookups included) for the block time,
// measured on the injected clock. Other actions and other clients are unaffected.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { BruteForceGuard } from '../../../src/security/bruteforce.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';

const MAX = 10;
const BLOCK = 1800;
const ATTACKER = 'ip:203.0.113.7';

let clock: FakeClock;
let counters: MemoryCounterStore;
let guard: BruteForceGuard;

beforeEach(() => {
  clock = fakeClock();
  counters = new MemoryCounterStore(clock);
  guard = new BruteForceGuard({ max: MAX, blockSeconds: BLOCK }, counters);
});
afterEach(async () => {
  await counters.close();
});

async function fail(times: number, action = 'paste', who = ATTACKER): Promise<void> {
  for (let i = 0; i < times; i++) await guard.fail(action, who);
}

async function blocked(action = 'paste', who = ATTACKER): Promise<AppError | null> {
  return guard.check(action, who).then(
    () => null,
    (error: unknown) => {
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    },
  );
}

describe('bruteforce-block-and-expiry', () => {
  it('max - 1 failures do not block; the max-th does, with 429 BLOCKED and retry_after = the block time', async () => {
    await fail(MAX - 1);
    expect(await blocked()).toBeNull();
    await fail(1);
    const error = await blocked();
    expect(error).toMatchObject({ code: 'BLOCKED', status: 429, extra: { retry_after: BLOCK } });
  });

  it('stays blocked until the block time is over, with a shrinking retry_after, then lets the client in again', async () => {
    await fail(MAX);
    clock.advance(600);
    expect((await blocked())?.extra['retry_after']).toBe(BLOCK - 600);
    clock.advance(BLOCK - 600 - 1);
    expect((await blocked())?.extra['retry_after']).toBe(1);
    clock.advance(1);
    expect(await blocked()).toBeNull();
  });

  it('after the block expires the count starts afresh: one more failure does not re-block', async () => {
    await fail(MAX);
    clock.advance(BLOCK);
    expect(await blocked()).toBeNull();
    await fail(1);
    expect(await blocked()).toBeNull();
    await fail(MAX - 2);
    expect(await blocked()).toBeNull();
    await fail(1);
    expect(await blocked()).not.toBeNull();
  });

  it('blocks only the action guessed at: other actions of the same client are unaffected', async () => {
    await fail(MAX, 'paste');
    expect(await blocked('paste')).not.toBeNull();
    for (const other of ['download', 'preview', 'status', 'short']) expect(await blocked(other)).toBeNull();
  });

  it('blocks only the client group guessing: other clients are unaffected', async () => {
    await fail(MAX);
    expect(await blocked('paste', 'ip:198.51.100.1')).toBeNull();
    expect(await blocked('paste', 'ip:2001:db8:1:2::/64')).toBeNull();
  });

  it('counts failures of one action from one client together, spread over time within the block window', async () => {
    for (let i = 0; i < MAX - 1; i++) {
      await fail(1);
      clock.advance(Math.floor((BLOCK - 1) / MAX));
    }
    expect(await blocked()).toBeNull();
    await fail(1);
    expect(await blocked()).not.toBeNull();
  });

  it('forgets failures older than the block window (slow guessing below the rate is not blocked)', async () => {
    await fail(MAX - 1);
    clock.advance(BLOCK);
    await fail(MAX - 1);
    expect(await blocked()).toBeNull();
  });

  it('interleaved actions are counted separately', async () => {
    for (let i = 0; i < MAX - 1; i++) {
      await fail(1, 'download');
      await fail(1, 'status');
    }
    expect(await blocked('download')).toBeNull();
    expect(await blocked('status')).toBeNull();
  });

  it('is off with max 0: nothing is counted or blocked', async () => {
    const off = new BruteForceGuard({ max: 0, blockSeconds: BLOCK }, counters);
    expect(off.enabled).toBe(false);
    for (let i = 0; i < 100; i++) await off.fail('paste', ATTACKER);
    await expect(off.check('paste', ATTACKER)).resolves.toBeUndefined();
    expect(await counters.get(`bf:fail:paste:${ATTACKER}`)).toBeNull();
  });

  it('shares blocks between instances using one CounterStore', async () => {
    const other = new BruteForceGuard({ max: MAX, blockSeconds: BLOCK }, counters);
    await fail(MAX - 1);
    await other.fail('paste', ATTACKER);
    await expect(other.check('paste', ATTACKER)).rejects.toMatchObject({ code: 'BLOCKED' });
    expect(await blocked()).not.toBeNull();
  });
});
