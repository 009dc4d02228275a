// pow-wrong-purpose (black box): a /challenge token is good for any one creation (POST /, /upload,
// /s) whatever `?purpose=` said, but never for a registration, and a registration token buys no
// creation; /challenge does not hand out registration challenges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../../src/security/pow.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, hit, postPaste, postUpload, solvedChallenge } from '../../helpers/abuse.js';
import { decodeToken, encodeToken } from '../../helpers/pow-token.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_REGISTER_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
});
afterAll(async () => {
  await disposeServer(server);
});

function postShort(headers: Record<string, string>) {
  return hit(server.url, '/s', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ url: 'https://example.org/a' }) });
}

function postRegister(headers: Record<string, string>) {
  return hit(server.url, '/register', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ common_name: 'mallory' }) });
}

describe('pow-wrong-purpose', () => {
  it('a default /challenge token buys a short link, a paste or an upload, once', async () => {
    const forShort = await solvedChallenge(server.url);
    expect(decodeToken(forShort.token).payload['p']).toBe('create');
    expect((await postShort(forShort.headers)).status).toBe(201);
    expectErrorHit(await postShort(forShort.headers), 400, 'POW_INVALID');
    expect((await postPaste(server.url, 'default token', (await solvedChallenge(server.url)).headers)).status).toBe(201);
    expect((await postUpload(server.url, 'default token', 'f.txt', (await solvedChallenge(server.url)).headers)).status).toBe(201);
  });

  it('the older ?purpose=paste and ?purpose=short still work, and for any creation', async () => {
    const short = await solvedChallenge(server.url, 'short');
    expect((await postPaste(server.url, 'a paste with a "short" challenge', short.headers)).status).toBe(201);
    const paste = await solvedChallenge(server.url, 'paste');
    expect((await postShort(paste.headers)).status).toBe(201);
  });

  it('a creation token is refused for registration, and relabelling it breaks the signature', async () => {
    const create = await solvedChallenge(server.url);
    expectErrorHit(await postRegister(create.headers), 400, 'POW_INVALID');
    const { payload, signature } = decodeToken(create.token);
    expectErrorHit(await postRegister({ 'x-pow-token': encodeToken({ ...payload, p: 'register' }, signature), 'x-pow-solution': create.solution }), 400, 'POW_INVALID');
  });

  it('a registration token is refused for every creation', async () => {
    const challenge = (await hit(server.url, '/register/challenge')).json() as { nonce: string; difficulty: number; token: string };
    const register = { token: challenge.token, headers: { 'x-pow-token': challenge.token, 'x-pow-solution': solve(challenge.nonce, challenge.difficulty) } };
    expect(decodeToken(register.token).payload['p']).toBe('register');
    expectErrorHit(await postPaste(server.url, 'paste with a registration token', register.headers), 400, 'POW_INVALID');
    expectErrorHit(await postShort(register.headers), 400, 'POW_INVALID');
  });

  it('GET /challenge refuses "register" and unknown purposes with 400 INVALID_REQUEST', async () => {
    for (const purpose of ['register', 'admin', 'PASTE']) {
      expectErrorHit(await hit(server.url, `/challenge?purpose=${encodeURIComponent(purpose)}`), 400, 'INVALID_REQUEST');
    }
  });
});
