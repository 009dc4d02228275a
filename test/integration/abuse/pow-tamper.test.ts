// pow-tamper (black box): edit the difficulty, expiry, purpose or nonce inside a challenge token and
// re-encode it, flip signature characters, bring a token from another server, or send malformed
// tokens and solutions: always 400 POW_INVALID, never a 5xx, and the genuine token still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../../src/security/pow.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, postPaste, solvedChallenge } from '../../helpers/abuse.js';
import { decodeToken, encodeToken, flipChar } from '../../helpers/pow-token.js';

const ENV = { SEALBIN_POW_DIFFICULTY: '10', SEALBIN_FLOOD_THRESHOLD: '1000000' };

let server: RunningServer;
let stranger: RunningServer;
beforeAll(async () => {
  [server, stranger] = await Promise.all([startServer({ env: ENV }), startServer({ env: ENV })]);
});
afterAll(async () => {
  await Promise.all([disposeServer(server), disposeServer(stranger)]);
});

async function expectPowInvalid(token: string, solution: string): Promise<void> {
  expectErrorHit(await postPaste(server.url, 'tampered', { 'x-pow-token': token, 'x-pow-solution': solution }), 400, 'POW_INVALID');
}

describe('pow-tamper', () => {
  it('edits inside the payload, re-encoded with the original signature, are refused; the genuine token then works', async () => {
    const { token, solution, challenge } = await solvedChallenge(server.url);
    const { payload, signature } = decodeToken(token);
    expect(payload).toMatchObject({ d: 10, p: 'create', n: challenge.nonce, e: challenge.expires });
    const nonce = challenge.nonce as string;
    // Lower difficulty (with a solution of the easier puzzle), later expiry, other purpose, other nonce.
    await expectPowInvalid(encodeToken({ ...payload, d: 1 }, signature), solve(nonce, 1));
    await expectPowInvalid(encodeToken({ ...payload, d: 0 }, signature), '0');
    await expectPowInvalid(encodeToken({ ...payload, e: (payload['e'] as number) + 365 * 86400 }, signature), solution);
    await expectPowInvalid(encodeToken({ ...payload, p: 'register' }, signature), solution);
    await expectPowInvalid(encodeToken({ ...payload, n: '00'.repeat(16) }, signature), solve('00'.repeat(16), 10));
    await expectPowInvalid(encodeToken({ ...payload, v: 2 }, signature), solution);
    await expectPowInvalid(encodeToken({ ...payload, extra: true }, signature), solution);
    // Untouched: accepted.
    expect((await postPaste(server.url, 'genuine', { 'x-pow-token': token, 'x-pow-solution': solution })).status).toBe(201);
  });

  it('flipped signature characters (first, middle, last) and truncated or extended signatures are refused', async () => {
    const { token, solution } = await solvedChallenge(server.url);
    const { encoded, signature } = decodeToken(token);
    for (const index of [0, 1, Math.floor(signature.length / 2), signature.length - 2, signature.length - 1]) {
      for (const shift of [0, 31]) await expectPowInvalid(`${encoded}.${flipChar(signature, index, shift)}`, solution);
    }
    await expectPowInvalid(`${encoded}.${signature.slice(0, -1)}`, solution);
    await expectPowInvalid(`${encoded}.${signature}A`, solution);
    await expectPowInvalid(`${encoded}.${signature}=`, solution);
    await expectPowInvalid(`${encoded}.${signature}.${signature}`, solution);
    expect((await postPaste(server.url, 'genuine', { 'x-pow-token': token, 'x-pow-solution': solution })).status).toBe(201);
  });

  it('a solved token from another Sealbin server (another key) is refused', async () => {
    const foreign = await solvedChallenge(stranger.url);
    await expectPowInvalid(foreign.token, foreign.solution);
  });

  it('malformed tokens are refused with POW_INVALID, never a 5xx', async () => {
    const { solution } = await solvedChallenge(server.url);
    for (const token of ['x', 'a.b', 'a.b.c', '.', '..', `${'A'.repeat(600)}.${'B'.repeat(43)}`, 'eyJ2IjoxfQ.', '%%%.%%%', 'null.null']) await expectPowInvalid(token, solution);
  });

  it('solutions that are not decimal integers of at most 16 digits are refused', async () => {
    const { token, solution } = await solvedChallenge(server.url);
    for (const bad of ['0x1f', '1e3', '-1', '+1', '1.0', 'abc', '12345678901234567', '9'.repeat(2000), `${solution} `.repeat(2).trim()]) await expectPowInvalid(token, bad);
    expect((await postPaste(server.url, 'genuine', { 'x-pow-token': token, 'x-pow-solution': solution })).status).toBe(201);
  });

  it('only one of the two headers is POW_INVALID, not POW_REQUIRED', async () => {
    const { token, solution } = await solvedChallenge(server.url);
    expectErrorHit(await postPaste(server.url, 'half', { 'x-pow-token': token }), 400, 'POW_INVALID');
    expectErrorHit(await postPaste(server.url, 'half', { 'x-pow-solution': solution }), 400, 'POW_INVALID');
  });
});
