// ratelimit-headers (black box): limited routes carry X-RateLimit-Limit/Remaining/Reset; a spent
// budget is 429 RATE_LIMITED with Retry-After; budgets are per client and per group (create, read,
// health). Clients are told apart through X-Forwarded-For from the loopback proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, expectSeconds, eventually, guessId, hit, postPaste, postUpload } from '../../helpers/abuse.js';
import type { Hit } from '../../helpers/abuse.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    env: { SEALBIN_RATE_READ: '5/minute', SEALBIN_RATE_CREATE: '3/minute', SEALBIN_RATE_HEALTH: '1/second', SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32' },
  });
});
afterAll(async () => {
  await disposeServer(server);
});

const as = (client: string) => ({ 'x-forwarded-for': client });

function rateHeaders(response: Hit): { limit: number; remaining: number; reset: number } {
  const limit = Number(response.header('x-ratelimit-limit'));
  const remaining = Number(response.header('x-ratelimit-remaining'));
  expect(response.header('x-ratelimit-remaining')).toMatch(/^\d+$/);
  return { limit, remaining, reset: Number(response.header('x-ratelimit-reset')) };
}

describe('ratelimit-headers', () => {
  it('counts reads down in X-RateLimit-Remaining, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const client = as('198.51.100.1');
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await hit(server.url, `/${guessId()}`, { headers: client });
      expect(response.status).toBe(404);
      const headers = rateHeaders(response);
      expect(headers.limit).toBe(5);
      expectSeconds(response.header('x-ratelimit-reset'), 1, 60);
      seen.push(headers.remaining);
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    const limited = await hit(server.url, `/${guessId()}`, { headers: client });
    expectErrorHit(limited, 429, 'RATE_LIMITED');
    expect(rateHeaders(limited)).toMatchObject({ limit: 5, remaining: 0 });
    const retryAfter = expectSeconds(limited.header('retry-after'), 1, 60);
    expect(expectSeconds(limited.header('x-ratelimit-reset'), 1, 60)).toBe(retryAfter);
  });

  it('shares the read budget between lookups, raw, downloads, status, previews, challenges and unknown routes', async () => {
    const client = as('198.51.100.2');
    const paths = [`/${guessId()}`, `/${guessId()}/raw`, '/download/no-such-key', '/status/no-such-key', '/challenge'];
    const remaining: number[] = [];
    for (const path of paths) remaining.push(rateHeaders(await hit(server.url, path, { headers: client })).remaining);
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    expectErrorHit(await hit(server.url, '/preview/no-such-key', { headers: client }), 429, 'RATE_LIMITED');
    expectErrorHit(await hit(server.url, '/no/such/route', { headers: client }), 429, 'RATE_LIMITED');
  });

  it('a spent budget is one client’s problem: another client still has all of its own', async () => {
    const spender = as('198.51.100.3');
    for (let i = 0; i < 6; i++) await hit(server.url, '/challenge', { headers: spender });
    expectErrorHit(await hit(server.url, '/challenge', { headers: spender }), 429, 'RATE_LIMITED');
    const other = await hit(server.url, '/challenge', { headers: as('198.51.100.4') });
    expect(other.status).toBe(200);
    expect(rateHeaders(other)).toMatchObject({ limit: 5, remaining: 4 });
  });

  it('the create budget is shared by POST / and POST /upload, and separate from the read budget', async () => {
    const client = as('198.51.100.5');
    const first = await postPaste(server.url, 'one', client);
    expect(first.status).toBe(201);
    expect(rateHeaders(first)).toMatchObject({ limit: 3, remaining: 2 });
    const second = await postUpload(server.url, 'two', 'two.txt', client);
    expect(second.status).toBe(201);
    expect(rateHeaders(second)).toMatchObject({ limit: 3, remaining: 1 });
    const third = await postPaste(server.url, 'three', client);
    expect(rateHeaders(third)).toMatchObject({ remaining: 0 });
    const fourth = await postUpload(server.url, 'four', 'four.txt', client);
    expectErrorHit(fourth, 429, 'RATE_LIMITED');
    expectSeconds(fourth.header('retry-after'), 1, 60);
    expectErrorHit(await postPaste(server.url, 'five', client), 429, 'RATE_LIMITED');
    // Reading is a different budget.
    const read = await hit(server.url, `/${guessId()}`, { headers: client });
    expect(read.status).toBe(404);
    expect(rateHeaders(read)).toMatchObject({ limit: 5, remaining: 4 });
  });

  it('GET /health: 1/second, then 429 with Retry-After: 1, and allowed again a second later', async () => {
    const client = as('198.51.100.6');
    // Sent together, so both land inside the one-second window however slow the machine is; which
    // one the server counts first is its choice.
    const answers = await Promise.all([hit(server.url, '/health', { headers: client }), hit(server.url, '/health', { headers: client })]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 429]);
    const first = answers.find((a) => a.status === 200) as (typeof answers)[number];
    const second = answers.find((a) => a.status === 429) as (typeof answers)[number];
    expect(rateHeaders(first)).toMatchObject({ limit: 1, remaining: 0 });
    expect(expectSeconds(first.header('x-ratelimit-reset'), 1, 1)).toBe(1);
    expectErrorHit(second, 429, 'RATE_LIMITED');
    expect(second.header('retry-after')).toBe('1');
    // Allowed again once the second is over: polled (a retry inside the second is refused again).
    expect(await eventually(async () => (await hit(server.url, '/health', { headers: client })).status === 200, 5000, 200)).toBe(true);
  });

  it('unlimited routes (GET /, /openapi.json) carry no X-RateLimit headers', async () => {
    for (const path of ['/', '/openapi.json']) {
      const response = await hit(server.url, path, { headers: as('198.51.100.7') });
      expect(response.status).toBe(200);
      expect(response.header('x-ratelimit-limit')).toBeUndefined();
      expect(response.header('x-ratelimit-remaining')).toBeUndefined();
    }
  });
});
