// pow-wrong-purpose: a token is bound to what it was issued for (any creation, or a registration);
// solving a cheap creation challenge buys no certificate, and the reverse.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { POW_PURPOSES, ProofOfWork, solve } from '../../../src/security/pow.js';
import type { PowPurpose } from '../../../src/security/pow.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';

const DIFFICULTY = 6;

let counters: MemoryCounterStore;
let pow: ProofOfWork;

beforeEach(() => {
  const clock = fakeClock();
  counters = new MemoryCounterStore(clock);
  pow = new ProofOfWork(randomBytes(32), counters, clock);
});
afterEach(async () => {
  await counters.close();
});

function solved(purpose: PowPurpose) {
  const challenge = pow.issue(purpose, DIFFICULTY);
  return { token: challenge.token as string, solution: solve(challenge.nonce as string, DIFFICULTY) };
}

const pairs = POW_PURPOSES.flatMap((issued) => POW_PURPOSES.filter((used) => used !== issued).map((used) => [issued, used] as const));

describe('pow-wrong-purpose', () => {
  it('knows the two purposes', () => {
    expect([...POW_PURPOSES].sort()).toEqual(['create', 'register']);
  });

  it.each(pairs)('a token issued for %s is refused for %s', async (issued, used) => {
    const { token, solution } = solved(issued);
    const error = await pow.verify(used, token, solution, DIFFICULTY).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'POW_INVALID', status: 400 });
  });

  it.each(POW_PURPOSES)('a token issued for %s is accepted for %s', async (purpose) => {
    const { token, solution } = solved(purpose);
    await expect(pow.verify(purpose, token, solution, DIFFICULTY)).resolves.toBeUndefined();
  });

  it('a refusal for the wrong purpose does not burn the token for its own purpose', async () => {
    const { token, solution } = solved('create');
    await expect(pow.verify('register', token, solution, DIFFICULTY)).rejects.toMatchObject({ code: 'POW_INVALID' });
    await expect(pow.verify('create', token, solution, DIFFICULTY)).resolves.toBeUndefined();
  });
});
