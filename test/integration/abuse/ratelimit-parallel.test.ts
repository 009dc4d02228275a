// ratelimit-parallel (black box): 100 requests fired at once against a limit of 10 get exactly 10
// through and 90 × 429; concurrency never buys extra budget, and each client has its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, hit } from '../../helpers/abuse.js';
import type { Hit } from '../../helpers/abuse.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_RATE_READ: '10/minute', SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32' } });
});
afterAll(async () => {
  await disposeServer(server);
});

function tally(responses: Hit[]): { ok: Hit[]; limited: Hit[]; other: Hit[] } {
  return { ok: responses.filter((r) => r.status === 200), limited: responses.filter((r) => r.status === 429), other: responses.filter((r) => r.status !== 200 && r.status !== 429) };
}

describe('ratelimit-parallel', () => {
  it('100 parallel requests against 10/minute: exactly 10 pass, 90 get 429 RATE_LIMITED', async () => {
    const responses = await Promise.all(Array.from({ length: 100 }, () => hit(server.url, '/challenge')));
    const { ok, limited, other } = tally(responses);
    expect(other.map((r) => r.status)).toEqual([]);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(90);
    expect(ok.map((r) => Number(r.header('x-ratelimit-remaining'))).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const response of limited) {
      expectErrorHit(response, 429, 'RATE_LIMITED');
      expect(response.header('retry-after')).toMatch(/^\d+$/);
      expect(response.header('x-ratelimit-remaining')).toBe('0');
    }
    // And it stays spent.
    expectErrorHit(await hit(server.url, '/challenge'), 429, 'RATE_LIMITED');
  });

  it('two clients flooding in parallel each get exactly their own 10', async () => {
    const clients = ['203.0.113.10', '203.0.113.11'];
    const responses = await Promise.all(clients.flatMap((client) => Array.from({ length: 50 }, () => hit(server.url, '/challenge', { headers: { 'x-forwarded-for': client } }).then((r) => ({ client, r })))));
    for (const client of clients) {
      const { ok, limited } = tally(responses.filter((x) => x.client === client).map((x) => x.r));
      expect(ok, client).toHaveLength(10);
      expect(limited, client).toHaveLength(40);
    }
  });

  it('rotating the spoofable left part of X-Forwarded-For in parallel buys nothing', async () => {
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => hit(server.url, '/challenge', { headers: { 'x-forwarded-for': `10.9.${i}.1, 203.0.113.12` } })));
    const { ok, limited } = tally(responses);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(30);
  });
});
