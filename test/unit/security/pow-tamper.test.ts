// pow-tamper: editing anything inside a signed token (difficulty, expiry, purpose, nonce, version)
// and re-encoding it, or touching the signature, gets POW_INVALID; so do malformed tokens and
// solutions, which are refused before any hashing.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { ProofOfWork, solve } from '../../../src/security/pow.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';
import { decodeToken, encodeToken, flipChar, isSolution, signPayload, solveFrom, wrongSolution } from '../../helpers/pow-token.js';

const DIFFICULTY = 10;

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

function solved(purpose: 'create' | 'register' = 'create', difficulty = DIFFICULTY) {
  const challenge = pow.issue(purpose, difficulty);
  const nonce = challenge.nonce as string;
  return { token: challenge.token as string, nonce, solution: solve(nonce, difficulty) };
}

async function rejection(run: Promise<void>): Promise<AppError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(AppError);
  return error as AppError;
}

async function expectInvalid(token: string | undefined, solution: string | undefined, purpose: 'create' | 'register' = 'create', required = DIFFICULTY): Promise<AppError> {
  const error = await rejection(pow.verify(purpose, token, solution, required));
  expect(error.code).toBe('POW_INVALID');
  expect(error.status).toBe(400);
  return error;
}

describe('pow-tamper: edited payloads keep the old signature and are refused', () => {
  it('lowering the difficulty inside the token (and solving the easier puzzle) is refused', async () => {
    const { token, nonce } = solved();
    const { payload, signature } = decodeToken(token);
    expect(payload).toMatchObject({ v: 1, p: 'create', n: nonce, d: DIFFICULTY });
    const cheap = encodeToken({ ...payload, d: 1 }, signature);
    // The verifier is asked for difficulty 1 too: only the signature stands in the way.
    await expectInvalid(cheap, solve(nonce, 1), 'create', 1);
  });

  it('extending the expiry inside the token is refused, before and after the real expiry', async () => {
    const { token, solution } = solved();
    const { payload, signature } = decodeToken(token);
    const later = encodeToken({ ...payload, e: (payload['e'] as number) + 86_400 }, signature);
    await expectInvalid(later, solution);
    clock.advance(3600);
    await expectInvalid(later, solution);
  });

  it('changing the purpose inside the token is refused', async () => {
    const { token, solution } = solved('register');
    const { payload, signature } = decodeToken(token);
    await expectInvalid(encodeToken({ ...payload, p: 'create' }, signature), solution, 'create');
  });

  it('swapping in another (e.g. already solved or used) nonce is refused', async () => {
    const first = solved();
    const second = solved();
    await pow.verify('create', first.token, first.solution, DIFFICULTY);
    const { payload, signature } = decodeToken(second.token);
    // The second token's signature with the first (used) nonce, solved with the first solution.
    await expectInvalid(encodeToken({ ...payload, n: first.nonce }, signature), first.solution);
  });

  it('re-encoding the same payload differently (key order, spacing) is refused: the signature covers the bytes', async () => {
    const { token, solution } = solved();
    const { payload, signature } = decodeToken(token);
    const reordered = `${Buffer.from(JSON.stringify({ e: payload['e'], d: payload['d'], n: payload['n'], p: payload['p'], v: payload['v'] })).toString('base64url')}.${signature}`;
    await expectInvalid(reordered, solution);
    const spaced = `${Buffer.from(JSON.stringify(payload, null, 1)).toString('base64url')}.${signature}`;
    await expectInvalid(spaced, solution);
  });

  it('any single edited character of the encoded payload is refused (property)', async () => {
    const { token, solution } = solved();
    const { encoded, signature } = decodeToken(token);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: encoded.length - 1 }), fc.nat({ max: 62 }), async (index, shift) => {
        await expectInvalid(`${flipChar(encoded, index, shift)}.${signature}`, solution);
      }),
      { numRuns: 150 },
    );
    // None of that burned the genuine token.
    await expect(pow.verify('create', token, solution, DIFFICULTY)).resolves.toBeUndefined();
  });
});

describe('pow-tamper: signatures', () => {
  it('any single flipped signature character is refused (property), and the genuine token still works', async () => {
    const { token, solution } = solved();
    const { encoded, signature } = decodeToken(token);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: signature.length - 1 }), fc.nat({ max: 62 }), async (index, shift) => {
        await expectInvalid(`${encoded}.${flipChar(signature, index, shift)}`, solution);
      }),
      { numRuns: 200 },
    );
    await expect(pow.verify('create', token, solution, DIFFICULTY)).resolves.toBeUndefined();
  });

  it('a truncated, extended, empty, padded or re-cased signature is refused', async () => {
    const { token, solution } = solved();
    const { encoded, signature } = decodeToken(token);
    const variants = [signature.slice(0, -1), `${signature}A`, '', `${signature}=`, signature.toUpperCase(), signature.toLowerCase(), Buffer.from(signature, 'base64url').toString('hex'), Buffer.from(signature, 'base64url').toString('base64')];
    for (const variant of variants.filter((v) => v !== signature)) await expectInvalid(`${encoded}.${variant}`, solution);
  });

  it('a token signed with another server key is refused (a forged, self-made challenge)', async () => {
    const forger = new ProofOfWork(randomBytes(32), counters, clock);
    const challenge = forger.issue('create', DIFFICULTY);
    await expectInvalid(challenge.token as string, solve(challenge.nonce as string, DIFFICULTY));
  });

  it('a self-made payload with a made-up signature is refused', async () => {
    const payload = { v: 1, p: 'create', n: 'aa'.repeat(16), d: 1, e: clock.now() + 600 };
    await expectInvalid(encodeToken(payload, 'A'.repeat(43)), solve(payload.n, 1), 'create', 1);
  });
});

describe('pow-tamper: malformed tokens are refused cleanly, never crash', () => {
  it.each([
    ['no dot', 'abc'],
    ['three parts', 'a.b.c'],
    ['empty payload', '.sig'],
    ['empty signature', 'payload.'],
    ['only a dot', '.'],
    ['empty string', ''],
    ['whitespace', '   '],
    ['longer than 512 characters', `${'A'.repeat(600)}.${'B'.repeat(43)}`],
  ])('%s', async (_name, token) => {
    await expectInvalid(token, '1');
  });

  it('validly signed payloads that are not the token format are refused (no crash, no acceptance)', async () => {
    const e = clock.now() + 600;
    const payloads: unknown[] = [
      'not json at all',
      [],
      42,
      { v: 2, p: 'create', n: 'ab', d: 1, e },
      { v: 1, p: 'create', n: 'ab', d: '1', e },
      { v: 1, p: 'create', n: 'ab', d: 1, e: String(e) },
      { v: 1, p: 'create', n: 7, d: 1, e },
      { v: 1, p: 'create', d: 1, e },
      { v: 1, n: 'ab', d: 1, e },
    ];
    for (const payload of payloads) {
      const encoded = typeof payload === 'string' ? Buffer.from(payload).toString('base64url') : Buffer.from(JSON.stringify(payload)).toString('base64url');
      await expectInvalid(`${encoded}.${signPayload(key, encoded)}`, '1', 'create', 1);
    }
  });

  it('a validly signed JSON null payload is refused with POW_INVALID, not a TypeError (500)', async () => {
    // Unreachable without the server key; a defence-in-depth check of the payload parser.
    const encoded = Buffer.from('null').toString('base64url');
    await expectInvalid(`${encoded}.${signPayload(key, encoded)}`, '1', 'create', 1);
  });

  it('the helper re-signing works, i.e. the refusals above are about the payload and not the signature', async () => {
    const payload = { v: 1, p: 'create', n: 'cd'.repeat(16), d: 1, e: clock.now() + 600 };
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    await expect(pow.verify('create', `${encoded}.${signPayload(key, encoded)}`, solve(payload.n, 1), 1)).resolves.toBeUndefined();
  });

  it('POW_REQUIRED without both headers; POW_INVALID with only one of them', async () => {
    const { token, solution } = solved();
    expect((await rejection(pow.verify('create', undefined, undefined, DIFFICULTY))).code).toBe('POW_REQUIRED');
    await expectInvalid(token, undefined);
    await expectInvalid(undefined, solution);
  });
});

describe('pow-tamper: solutions must be decimal integers of at most 16 digits, checked before hashing', () => {
  it.each([['0x1f'], ['1e3'], ['-1'], ['+1'], [' 1'], ['1 '], ['1.0'], [''], ['١٢'], ['１２'], ['12345678901234567'], ['9'.repeat(1000)], ['1\n'], ['NaN']])('refuses %j', async (solution) => {
    const { token } = solved();
    await expectInvalid(token, solution);
  });

  it('checks the solution format before the signature (cheap rejection first)', async () => {
    const { token } = solved();
    const { encoded, signature } = decodeToken(token);
    const forged = `${encoded}.${flipChar(signature, 0)}`;
    const withBadSolution = await expectInvalid(forged, '1'.repeat(17));
    const withGoodSolution = await expectInvalid(forged, '1');
    expect(withBadSolution.message).not.toBe(withGoodSolution.message);
    expect(withBadSolution.message).toMatch(/decimal/i);
  });

  it('accepts a 16-digit solution and leading zeros (they are just another decimal string)', async () => {
    const long = solved();
    await expect(pow.verify('create', long.token, solveFrom(long.nonce, DIFFICULTY, 10n ** 15n), DIFFICULTY)).resolves.toBeUndefined();
    const padded = solved();
    // "000s" hashes differently from "s": search zero-padded candidates directly.
    let found: string | null = null;
    for (let s = 0; s < 1_000_000 && found === null; s++) if (isSolution(padded.nonce, `000${s}`, DIFFICULTY)) found = `000${s}`;
    expect(found).not.toBeNull();
    await expect(pow.verify('create', padded.token, found as string, DIFFICULTY)).resolves.toBeUndefined();
  });

  it('refuses a wrong solution', async () => {
    const { token, nonce } = solved();
    await expectInvalid(token, wrongSolution(nonce, DIFFICULTY));
  });
});
