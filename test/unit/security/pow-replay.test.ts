// pow-replay: a solved challenge token is single-use, also under concurrency and across instances
// sharing one CounterStore; failed attempts do not burn it.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { CHALLENGE_TTL_SECONDS, ProofOfWork, solve } from '../../../src/security/pow.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';
import { solveFrom, wrongSolution } from '../../helpers/pow-token.js';

const DIFFICULTY = 8;

let clock: FakeClock;
let counters: MemoryCounterStore;
let pow: ProofOfWork;
const key = randomBytes(32);

beforeEach(() => {
  clock = fakeClock();
  counters = new MemoryCounterStore(clock);
  pow = new ProofOfWork(key, counters, clock);
});
afterEach(async () => {
  await counters.close();
});

function solved(instance = pow) {
  const challenge = instance.issue('create', DIFFICULTY);
  const nonce = challenge.nonce as string;
  return { token: challenge.token as string, nonce, solution: solve(nonce, DIFFICULTY) };
}

async function rejection(run: Promise<void>): Promise<AppError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(AppError);
  return error as AppError;
}

describe('pow-replay', () => {
  it('accepts a solved token once and refuses the same token and solution the second time', async () => {
    const { token, solution } = solved();
    await expect(pow.verify('create', token, solution, DIFFICULTY)).resolves.toBeUndefined();
    const error = await rejection(pow.verify('create', token, solution, DIFFICULTY));
    expect(error.code).toBe('POW_INVALID');
    expect(error.status).toBe(400);
  });

  it('refuses a replay with a different valid solution of the same nonce', async () => {
    const { token, nonce, solution } = solved();
    await pow.verify('create', token, solution, DIFFICULTY);
    const alternative = solveFrom(nonce, DIFFICULTY, BigInt(solution) + 1n);
    expect((await rejection(pow.verify('create', token, alternative, DIFFICULTY))).code).toBe('POW_INVALID');
  });

  it('lets exactly one of 25 concurrent uses of one token through', async () => {
    const { token, solution } = solved();
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => pow.verify('create', token, solution, DIFFICULTY)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'POW_INVALID' });
    }
  });

  it('refuses a token already used on another instance that shares the CounterStore', async () => {
    const other = new ProofOfWork(key, counters, clock);
    const { token, solution } = solved(pow);
    await other.verify('create', token, solution, DIFFICULTY);
    expect((await rejection(pow.verify('create', token, solution, DIFFICULTY))).code).toBe('POW_INVALID');
  });

  it('keeps the token burned for its whole lifetime and beyond', async () => {
    const { token, solution } = solved();
    await pow.verify('create', token, solution, DIFFICULTY);
    clock.advance(CHALLENGE_TTL_SECONDS - 1);
    expect((await rejection(pow.verify('create', token, solution, DIFFICULTY))).code).toBe('POW_INVALID');
    // Once the used-marker itself has expired, the token has expired too: still refused.
    clock.advance(5);
    expect((await rejection(pow.verify('create', token, solution, DIFFICULTY))).code).toBe('POW_INVALID');
    clock.advance(10 * CHALLENGE_TTL_SECONDS);
    expect((await rejection(pow.verify('create', token, solution, DIFFICULTY))).code).toBe('POW_INVALID');
  });

  it('does not burn a token on a failed attempt (wrong solution), so its owner can still use it', async () => {
    const { token, nonce, solution } = solved();
    expect((await rejection(pow.verify('create', token, wrongSolution(nonce, DIFFICULTY), DIFFICULTY))).code).toBe('POW_INVALID');
    await expect(pow.verify('create', token, solution, DIFFICULTY)).resolves.toBeUndefined();
  });

  it('burns only the token used: other tokens stay valid', async () => {
    const first = solved();
    const second = solved();
    expect(first.nonce).not.toBe(second.nonce);
    await pow.verify('create', first.token, first.solution, DIFFICULTY);
    await expect(pow.verify('create', second.token, second.solution, DIFFICULTY)).resolves.toBeUndefined();
  });
});
