// redis-outage: the real server on a private redis-server that the test kills and restarts. While
// Redis is gone, whatever needs a shared counter answers 503 BACKEND_UNAVAILABLE (fail closed)
// within a second, reads that need no counter go on, /health is 503 naming redis; when Redis is back
// everything works again without restarting Sealbin. One error line per outage, no crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hit, postPaste, solvedChallenge } from '../../helpers/abuse.js';
import type { Hit } from '../../helpers/abuse.js';
import { privateRedis, redisServerMissing } from '../../helpers/private-redis.js';
import type { PrivateRedis } from '../../helpers/private-redis.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

const missing = redisServerMissing();

/** Limits on, as by default (budgets large enough not to be reached here): lookups need counters. */
const LIMITED = { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '100000', SEALBIN_RATE_CREATE: '1000/hour', SEALBIN_RATE_READ: '1000/minute', SEALBIN_RATE_HEALTH: '100/second', SEALBIN_BRUTE_MAX: '10', SEALBIN_DEDUP_MAX: '100' };
/** Creations limited, lookups not (no read rate limit, no brute-force blocking): reads need no counter. */
const READS_FREE = { ...LIMITED, SEALBIN_RATE_READ: 'off', SEALBIN_BRUTE_MAX: '0' };

const OUTAGE_LOG = /"msg":"counter backend failed/;

function expectUnavailable(response: Hit, what: string): void {
  expect(response.status, `${what}: ${response.text}`).toBe(503);
  expect(response.header('content-type')).toBe('application/json; charset=utf-8');
  expect(response.json()['error_code'], what).toBe('BACKEND_UNAVAILABLE');
  expect(response.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|redis:\/\//);
}

async function health(server: RunningServer): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await hit(server.url, '/health');
  return { status: response.status, checks: (response.json()['checks'] ?? {}) as Record<string, string> };
}

describe.skipIf(missing !== null)(`redis-outage${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let redis: PrivateRedis;
  let limited: RunningServer;
  let readsFree: RunningServer;
  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    [limited, readsFree] = await Promise.all([startServer({ env: { ...LIMITED, SEALBIN_REDIS_URL: redis.url } }), startServer({ env: { ...READS_FREE, SEALBIN_REDIS_URL: redis.url } })]);
  });
  afterAll(async () => {
    await limited?.dispose();
    await readsFree?.dispose();
    await redis?.stop();
  });

  it('fails closed while Redis is down, keeps counter-free reads, and recovers by itself', async () => {
    const create = async (server: RunningServer, body: string) => postPaste(server.url, body, (await solvedChallenge(server.url)).headers);
    const before = { limited: await create(limited, 'limited, before'), readsFree: await create(readsFree, 'reads free, before') };
    expect(before.limited.status, before.limited.text).toBe(201);
    expect(before.readsFree.status, before.readsFree.text).toBe(201);
    const ids = { limited: before.limited.json()['id'] as string, readsFree: before.readsFree.json()['id'] as string };
    expect((await health(limited)).checks).toMatchObject({ redis: 'ok' });
    // A PoW solved before the outage, to be spent during it (refused) and after it (accepted).
    const pow = await solvedChallenge(limited.url);

    await redis.stop();

    // Creations need the create budget and the PoW single-use record: refused, and promptly.
    const during = await waitFor(async () => {
      const response = await postPaste(limited.url, 'during the outage', pow.headers);
      return response.status === 503 ? response : null;
    }, 'POST / to answer 503');
    expectUnavailable(during, 'POST / (limited)');
    const started = Date.now();
    expectUnavailable(await postPaste(limited.url, 'again', pow.headers), 'POST / again');
    // Prompt means not waiting out the 2 s command timeout; a loaded machine needs the margin below it.
    expect(Date.now() - started).toBeLessThan(1900);
    expectUnavailable(await postPaste(readsFree.url, 'during the outage', {}), 'POST / (reads free)');
    await limited.expectErrorLog(OUTAGE_LOG);
    await readsFree.expectErrorLog(OUTAGE_LOG);

    // With a read rate limit and brute-force blocking on, a lookup needs a counter: 503, never unlimited.
    expectUnavailable(await hit(limited.url, `/${ids.limited}`), 'GET /{id} (limited)');
    expectUnavailable(await hit(limited.url, `/${ids.limited}/raw`), 'GET /{id}/raw (limited)');
    expectUnavailable(await hit(limited.url, '/challenge'), 'GET /challenge');
    // Without them, reading an existing item touches no counter and goes on.
    const meta = await hit(readsFree.url, `/${ids.readsFree}`);
    expect(meta.status, meta.text).toBe(200);
    const raw = await hit(readsFree.url, `/${ids.readsFree}/raw`);
    expect([raw.status, raw.text]).toEqual([200, 'reads free, before']);

    // /health keeps its own budget per instance and names the failed backend.
    for (const server of [limited, readsFree]) {
      const checked = await health(server);
      expect(checked.status).toBe(503);
      expect(checked.checks).toMatchObject({ redis: 'failed', database: 'ok', blobs: 'ok' });
    }

    // Many refused requests, still exactly the one error line per server (the helpers fail the test
    // on any undeclared error line), and no ioredis complaint on stderr.
    for (let n = 0; n < 10; n++) expect((await postPaste(limited.url, `burst ${n}`, pow.headers)).status).toBe(503);
    expect(limited.logLines().filter((line) => OUTAGE_LOG.test(JSON.stringify(line)))).toHaveLength(1);
    expect(limited.output()).not.toMatch(/Unhandled error event/);
    await limited.waitForLog((line) => line.msg === 'redis unreachable; reconnecting', 'the outage warning');

    await redis.start();

    await waitFor(async () => (await health(limited)).status === 200 && (await health(readsFree)).status === 200, '/health to be ok again on both', { timeoutMs: 30_000 });
    expect((await health(limited)).checks).toMatchObject({ redis: 'ok' });
    // The token refused during the outage was not burned by it: it is good once Redis is back.
    const after = await postPaste(limited.url, 'after the outage', pow.headers);
    expect(after.status, after.text).toBe(201);
    expect((await hit(limited.url, `/${ids.limited}/raw`)).text).toBe('limited, before');
    expect((await create(readsFree, 'reads free, after')).status).toBe(201);
    await limited.waitForLog((line) => line.msg === 'counter backend answers again', 'the recovery line');
    await limited.waitForLog((line) => line.msg === 'redis reachable again', 'the reconnection line');
    expect(limited.process.exitCode).toBeNull();
  });

  it('a Redis that stops answering (connection open, no replies) is refused after the 2 s command timeout, then heals', async () => {
    const pow = await solvedChallenge(limited.url);
    redis.pause();
    try {
      const started = Date.now();
      const during = await postPaste(limited.url, 'while Redis hangs', pow.headers);
      const elapsed = Date.now() - started;
      expectUnavailable(during, 'POST / while Redis hangs');
      // Bounded by the command timeout (2 s), with margin for a loaded machine; never the whole outage.
      expect(elapsed).toBeGreaterThanOrEqual(1500);
      expect(elapsed).toBeLessThan(8000);
      await limited.expectErrorLog(OUTAGE_LOG);
    } finally {
      redis.resume();
    }
    const after = await waitFor(async () => {
      const response = await postPaste(limited.url, 'after the hang', pow.headers);
      return response.status === 201 ? response : null;
    }, 'creation to work again', { timeoutMs: 30_000 });
    expect(after.json()['size']).toBe('after the hang'.length);
  });

  it('stops cleanly on SIGTERM while Redis is down (exit 0, no hang on the dead connection)', async () => {
    await redis.stop();
    await waitFor(() => readsFree.logLines().filter((line) => line.msg === 'redis unreachable; reconnecting').length === 2, 'the second outage warning');
    expect(await readsFree.stop()).toBe(0);
  });
});
