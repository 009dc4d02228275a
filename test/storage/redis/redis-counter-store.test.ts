// What only the Redis CounterStore does, beyond the shared conformance suite: real Redis TTLs (keys
// go away in production even though the suite's clock is fake), key names that reveal no client
// address, and a connection that fails fast while Redis is down and heals when it is back.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { RedisCounterStore } from '../../../src/storage/redis/redis-counter-store.js';
import { openRedis, reconnectDelay } from '../../../src/storage/redis/redis-connection.js';
import { redactUrl } from '../../../src/storage/redact-url.js';
import { privateRedis, redisServerMissing } from '../../helpers/private-redis.js';
import type { PrivateRedis } from '../../helpers/private-redis.js';
import { waitFor } from '../../helpers/wait.js';
import { deletePrefix } from '../counter-store-redis-adapter.js';

const sharedUrl = process.env['TEST_REDIS_URL'];

describe.skipIf(!sharedUrl)('RedisCounterStore on the shared Redis (needs TEST_REDIS_URL)', () => {
  const prefix = `sealbin-test:${randomBytes(8).toString('hex')}:`;
  let redis: Redis;
  let store: RedisCounterStore;
  beforeAll(async () => {
    redis = new Redis(sharedUrl as string);
    store = new RedisCounterStore(new Redis(sharedUrl as string), systemClock, { prefix, nameKey: randomBytes(32) });
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await store.close();
    await redis.quit();
  });

  const keys = () => redis.keys(`${prefix}*`);

  it('gives every record a real TTL equal to its lifetime, so Redis forgets it in production', async () => {
    await store.increment('bf:fail:paste:ip:203.0.113.7', 1800);
    await store.claim('pow:used:abc', 600);
    await store.put('bf:block:paste:ip:203.0.113.7', 1, 900);
    const ttls = (await Promise.all((await keys()).map((key) => redis.ttl(key)))).sort((a, b) => a - b);
    expect(ttls).toHaveLength(3);
    expect(ttls.some((ttl) => ttl > 590 && ttl <= 600)).toBe(true);
    expect(ttls.some((ttl) => ttl > 890 && ttl <= 900)).toBe(true);
    expect(ttls.some((ttl) => ttl > 1790 && ttl <= 1800)).toBe(true);
  });

  it('a record of 3 s is gone from Redis itself shortly after (no key outlives its lifetime)', async () => {
    const before = new Set(await keys());
    // 3 s, not 1: the key must still be there for the listing below on a loaded machine.
    await store.claim('pow:used:short', 3);
    const added = (await keys()).filter((key) => !before.has(key));
    expect(added).toHaveLength(1);
    await waitFor(async () => (await redis.exists(added[0] as string)) === 0, 'the 3 s claim to expire in Redis', { timeoutMs: 10_000 });
  });

  it('stores every key, rate limits included, under the prefix with no client address or owner in its name', async () => {
    await store.increment('dedup:ip:198.51.100.23:xyz', 60);
    await store.consume('rl:read', 'ip:198.51.100.23', 5, 60);
    await store.consume('rl:create', 'owner:' + 'ab'.repeat(32), 5, 60);
    const names = await keys();
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      expect(name.startsWith(prefix)).toBe(true);
      // After the prefix only: the test's random hex prefix can hold "abab" by chance (it once did).
      expect(name.slice(prefix.length)).not.toMatch(/198\.51\.100|203\.0\.113|abababab|ip:|owner:/);
    }
    // The kind stays readable for operators (redis-cli --scan --pattern 'sealbin:bf:*').
    expect(names.some((name) => name.startsWith(`${prefix}bf:`))).toBe(true);
    expect(names.some((name) => name.startsWith(`${prefix}rl:read`))).toBe(true);
  });
});

describe.skipIf(redisServerMissing() !== null)('RedisCounterStore through openRedis on a private redis-server (needs redis-server)', () => {
  let server: PrivateRedis;
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const opened: RedisCounterStore[] = [];
  beforeAll(async () => {
    server = await privateRedis();
    await server.start();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('fails fast while Redis is down, logs the outage once, and works again when it is back', async () => {
    lines.length = 0;
    const store = new RedisCounterStore(await openRedis(server.url, logger), systemClock, { prefix: 'sealbin:', nameKey: randomBytes(32) });
    opened.push(store);
    expect(await store.increment('flood:count:1', 60)).toMatchObject({ value: 1 });
    await server.stop();
    // Every command is refused promptly while Redis is gone: none waits for a reconnect.
    await waitFor(async () => store.get('flood:count:1').then(() => false, () => true), 'the first refusal');
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => (n % 2 ? store.claim(`pow:used:${n}`, 60) : store.consume('rl:create', 'ip:x', 10, 60))));
    const elapsed = Date.now() - started;
    expect(results.map((r) => r.status)).toEqual(Array(20).fill('rejected'));
    // Under the 2 s command timeout, which is what a wait for a reconnect would cost each of them.
    expect(elapsed).toBeLessThan(1900);
    await expect(store.ping()).rejects.toThrow();
    await server.start();
    await waitFor(async () => store.get('flood:count:1').then(() => true, () => false), 'the store to answer again', { timeoutMs: 20_000 });
    // A fresh Redis (no persistence): the script cache is empty, so EVALSHA falls back to EVAL.
    expect(await store.increment('flood:count:1', 60)).toMatchObject({ value: 1 });
    expect(await store.claim('pow:used:after', 60)).toBe(true);
    const outage = lines.filter((line) => line.msg.startsWith('redis unreachable'));
    expect(outage).toHaveLength(1);
    expect(outage[0]?.level).toBe(40);
    expect(lines.filter((line) => line.msg === 'redis reachable again')).toHaveLength(1);
  });

  it('starts while Redis is down (refusing meanwhile) and connects when it comes up', async () => {
    await server.stop();
    lines.length = 0;
    const store = new RedisCounterStore(await openRedis(server.url, logger), systemClock, { prefix: 'sealbin:', nameKey: randomBytes(32) });
    opened.push(store);
    await expect(store.claim('pow:used:early', 60)).rejects.toThrow();
    await server.start();
    await waitFor(async () => store.claim('pow:used:early', 60).then(() => true, () => false), 'the store to connect', { timeoutMs: 20_000 });
    expect(lines.filter((line) => line.msg.startsWith('redis unreachable'))).toHaveLength(1);
  });

  it('reconnects with a growing delay capped at 2 s, forever', () => {
    expect([1, 2, 5, 20, 1000].map(reconnectDelay)).toEqual([100, 200, 500, 2000, 2000]);
  });

  it('connects with a password from the URL and never logs it, also when Redis is gone', async () => {
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    const guarded = await privateRedis(secret);
    await guarded.start();
    try {
      lines.length = 0;
      const store = new RedisCounterStore(await openRedis(guarded.url, logger), systemClock, { prefix: 'sealbin:', nameKey: randomBytes(32) });
      opened.push(store);
      expect(await store.claim('pow:used:pw', 60)).toBe(true);
      await guarded.stop();
      await waitFor(() => lines.some((line) => line.msg.startsWith('redis unreachable')), 'the outage warning');
      const logged = JSON.stringify(lines);
      expect(logged).toContain(':***@127.0.0.1');
      expect(logged).not.toContain(secret);
    } finally {
      await guarded.stop();
    }
  });

  it('logs a Redis URL without its password', () => {
    expect(redactUrl('redis://:hunter2@cache.example.org:6379/0')).toBe('redis://:***@cache.example.org:6379/0');
    expect(redactUrl('rediss://user:pw@cache:6380')).toBe('rediss://user:***@cache:6380');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});
