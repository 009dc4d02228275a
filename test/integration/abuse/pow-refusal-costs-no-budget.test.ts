// pow-refusal-costs-no-budget (black box): a client whose proof of work is missing, wrong, stale
// or replayed gets POW_REQUIRED / POW_INVALID and keeps its hourly creation budget, so a curl user
// fumbling the recipe is not locked out; successful creations still spend it and the limit holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, hit, postPaste, solvedChallenge } from '../../helpers/abuse.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_REGISTER_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000000', SEALBIN_RATE_CREATE: '3/hour' } });
});
afterAll(async () => {
  await disposeServer(server);
});

describe('pow-refusal-costs-no-budget', () => {
  it('ten refused attempts leave the budget whole; three solved creations spend it; the fourth is 429', async () => {
    const used = await solvedChallenge(server.url);
    expect((await postPaste(server.url, 'first', used.headers)).status).toBe(201);
    const attempts = [
      () => postPaste(server.url, 'no pow'),
      async () => postPaste(server.url, 'wrong solution', { ...(await solvedChallenge(server.url)).headers, 'x-pow-solution': '1' }),
      () => postPaste(server.url, 'replayed', used.headers),
      () => postPaste(server.url, 'garbage token', { 'x-pow-token': 'x.y', 'x-pow-solution': '1' }),
      () => hit(server.url, '/s', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'https://example.org/' }),
    ];
    for (let round = 0; round < 2; round++) {
      for (const attempt of attempts) {
        const response = await attempt();
        expect(['POW_REQUIRED', 'POW_INVALID']).toContain(response.json()['error_code']);
        expect(response.status).toBe(400);
        // The refusal reports the budget as it is after the refund: two creations left.
        expect(response.header('x-ratelimit-remaining')).toBe('2');
      }
    }
    for (const remaining of ['1', '0']) {
      const created = await postPaste(server.url, `ok ${remaining}`, (await solvedChallenge(server.url)).headers);
      expect(created.status, created.text).toBe(201);
      expect(created.header('x-ratelimit-remaining')).toBe(remaining);
    }
    expectErrorHit(await postPaste(server.url, 'over', (await solvedChallenge(server.url)).headers), 429, 'RATE_LIMITED');
  });

  it('a refused registration proof costs no creation budget either', async () => {
    // The budget of this client is spent (previous test): registration is refused by the limit,
    // before its proof is looked at; so use a fresh client address.
    const from = { localAddress: '127.0.0.9' };
    for (let i = 0; i < 5; i++) {
      const response = await hit(server.url, '/register', { ...from, method: 'POST', headers: { 'content-type': 'application/json', 'x-pow-token': 'a.b', 'x-pow-solution': '1' }, body: '{"common_name":"x"}' });
      expectErrorHit(response, 400, 'POW_INVALID');
    }
    const created = await postPaste(server.url, 'still allowed', (await solvedChallenge(server.url, undefined, from)).headers, from);
    expect(created.status, created.text).toBe(201);
    expect(created.header('x-ratelimit-remaining')).toBe('2');
  });
});
