// pow-replay (black box): a solved challenge buys exactly one creation, also when the same token is
// fired in parallel or at the other creation endpoint; failed attempts do not burn it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, getChallenge, hit, postPaste, postUpload, solvedChallenge } from '../../helpers/abuse.js';
import { wrongSolution } from '../../helpers/pow-token.js';

let server: RunningServer;
beforeAll(async () => {
  // Flood protection would raise the difficulty as this suite creates items: keep it out of the way.
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
});
afterAll(async () => {
  await disposeServer(server);
});

describe('pow-replay', () => {
  it('announces PoW in GET / and GET /challenge', async () => {
    const info = (await hit(server.url, '/')).json();
    expect(info['pow']).toEqual({ enabled: true, difficulty: 8 });
    const challenge = await getChallenge(server.url);
    expect(challenge).toMatchObject({ enabled: true, difficulty: 8 });
    expect(challenge.nonce).toMatch(/^[0-9a-f]+$/);
    expect(challenge.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(challenge.expires).toBeGreaterThan(Date.now() / 1000);
  });

  it('refuses a creation without PoW headers with 400 POW_REQUIRED', async () => {
    expectErrorHit(await postPaste(server.url, 'no work done'), 400, 'POW_REQUIRED');
  });

  it('accepts a solved challenge once; the same token and solution again get 400 POW_INVALID', async () => {
    const { headers } = await solvedChallenge(server.url);
    expect((await postPaste(server.url, 'first use', headers)).status).toBe(201);
    expectErrorHit(await postPaste(server.url, 'replayed', headers), 400, 'POW_INVALID');
    expectErrorHit(await postPaste(server.url, 'replayed again', headers), 400, 'POW_INVALID');
  });

  it('a token used on POST / cannot be replayed on POST /upload (one budget of work)', async () => {
    const { headers } = await solvedChallenge(server.url);
    expect((await postPaste(server.url, 'paste', headers)).status).toBe(201);
    expectErrorHit(await postUpload(server.url, 'file', 'f.txt', headers), 400, 'POW_INVALID');
  });

  it('10 parallel creations with one token: exactly one is created, nine get POW_INVALID', async () => {
    const { headers } = await solvedChallenge(server.url);
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => postPaste(server.url, `parallel replay ${i}`, headers)));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 201)) expectErrorHit(response, 400, 'POW_INVALID');
  });

  it('a wrong solution is refused and does not burn the token for its owner', async () => {
    const { challenge, token, solution } = await solvedChallenge(server.url);
    const wrong = wrongSolution(challenge.nonce as string, challenge.difficulty);
    expectErrorHit(await postPaste(server.url, 'guess', { 'x-pow-token': token, 'x-pow-solution': wrong }), 400, 'POW_INVALID');
    expect((await postPaste(server.url, 'owner', { 'x-pow-token': token, 'x-pow-solution': solution })).status).toBe(201);
  });
});
