// pow-wrong-purpose (black box): tokens are bound to their purpose; a challenge for short links
// does not buy a paste, and /challenge does not hand out registration challenges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, hit, postPaste, postUpload, solvedChallenge } from '../../helpers/abuse.js';
import { decodeToken, encodeToken } from '../../helpers/pow-token.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
});
afterAll(async () => {
  await disposeServer(server);
});

describe('pow-wrong-purpose', () => {
  it('a challenge for "short" is refused for a paste and for an upload', async () => {
    const short = await solvedChallenge(server.url, 'short');
    expect(decodeToken(short.token).payload['p']).toBe('short');
    expectErrorHit(await postPaste(server.url, 'paste with a short-link token', short.headers), 400, 'POW_INVALID');
    expectErrorHit(await postUpload(server.url, 'file with a short-link token', 'f.txt', short.headers), 400, 'POW_INVALID');
  });

  it('relabelling a "short" token as "paste" breaks its signature', async () => {
    const short = await solvedChallenge(server.url, 'short');
    const { payload, signature } = decodeToken(short.token);
    expectErrorHit(await postPaste(server.url, 'relabelled', { 'x-pow-token': encodeToken({ ...payload, p: 'paste' }, signature), 'x-pow-solution': short.solution }), 400, 'POW_INVALID');
  });

  it('GET /challenge hands out "paste" challenges by default and when asked, good for POST / and POST /upload', async () => {
    const byDefault = await solvedChallenge(server.url);
    expect(decodeToken(byDefault.token).payload['p']).toBe('paste');
    expect((await postPaste(server.url, 'default purpose', byDefault.headers)).status).toBe(201);
    const explicit = await solvedChallenge(server.url, 'paste');
    expect((await postUpload(server.url, 'explicit purpose', 'f.txt', explicit.headers)).status).toBe(201);
  });

  it('GET /challenge refuses "register" and unknown purposes with 400 INVALID_REQUEST', async () => {
    for (const purpose of ['register', 'admin', 'PASTE', '']) {
      const response = await hit(server.url, `/challenge?purpose=${encodeURIComponent(purpose)}`);
      if (purpose === '') {
        // An empty value is either the default or refused; never a register challenge.
        expect([200, 400]).toContain(response.status);
        if (response.status === 200) expect(decodeToken(String(response.json()['token'])).payload['p']).toBe('paste');
        continue;
      }
      expectErrorHit(response, 400, 'INVALID_REQUEST');
    }
  });
});
