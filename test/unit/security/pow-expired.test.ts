// pow-expired: a challenge is good for CHALLENGE_TTL_SECONDS; stockpiled solutions go stale, and an
// expired token is refused however it was obtained. Time is the injected clock, never a sleep.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { CHALLENGE_TTL_SECONDS, ProofOfWork, solve } from '../../../src/security/pow.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock, T0 } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';
import { decodeToken } from '../../helpers/pow-token.js';

const DIFFICULTY = 6;

let clock: FakeClock;
let counters: MemoryCounterStore;
let pow: ProofOfWork;

beforeEach(() => {
  clock = fakeClock();
  counters = new MemoryCounterStore(clock);
  pow = new ProofOfWork(randomBytes(32), counters, clock);
});
afterEach(async () => {
  await counters.close();
});

function solved() {
  const challenge = pow.issue('create', DIFFICULTY);
  return { challenge, token: challenge.token as string, solution: solve(challenge.nonce as string, DIFFICULTY) };
}

async function expectInvalid(token: string, solution: string): Promise<void> {
  const error = await pow.verify('create', token, solution, DIFFICULTY).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: 'POW_INVALID', status: 400 });
}

describe('pow-expired', () => {
  it('issues challenges that expire CHALLENGE_TTL_SECONDS (600) from now, in the response and inside the token', () => {
    expect(CHALLENGE_TTL_SECONDS).toBe(600);
    const { challenge, token } = solved();
    expect(challenge).toMatchObject({ enabled: true, difficulty: DIFFICULTY, expires: T0 + 600 });
    expect(decodeToken(token).payload).toMatchObject({ e: T0 + 600, d: DIFFICULTY, p: 'create', v: 1 });
  });

  it('accepts a solution one second before expiry', async () => {
    const { token, solution } = solved();
    clock.advance(CHALLENGE_TTL_SECONDS - 1);
    await expect(pow.verify('create', token, solution, DIFFICULTY)).resolves.toBeUndefined();
  });

  it('refuses a solution at the expiry second and any time after', async () => {
    const stockpile = [solved(), solved(), solved()];
    clock.advance(CHALLENGE_TTL_SECONDS);
    await expectInvalid(stockpile[0]!.token, stockpile[0]!.solution);
    clock.advance(1);
    await expectInvalid(stockpile[1]!.token, stockpile[1]!.solution);
    clock.advance(365 * 86400);
    await expectInvalid(stockpile[2]!.token, stockpile[2]!.solution);
  });

  it('refusing an expired token leaves fresh challenges unaffected', async () => {
    const { token, solution } = solved();
    clock.advance(CHALLENGE_TTL_SECONDS + 30);
    await expectInvalid(token, solution);
    const fresh = solved();
    await expect(pow.verify('create', fresh.token, fresh.solution, DIFFICULTY)).resolves.toBeUndefined();
  });

  it('a stockpile fetched over time expires token by token', async () => {
    const early = solved();
    clock.advance(300);
    const late = solved();
    clock.advance(300);
    await expectInvalid(early.token, early.solution);
    await expect(pow.verify('create', late.token, late.solution, DIFFICULTY)).resolves.toBeUndefined();
  });

  it('challenges are off (no token) when the difficulty is 0', () => {
    expect(pow.issue('create', 0)).toEqual({ enabled: false, difficulty: 0, nonce: null, expires: null, token: null });
  });
});
