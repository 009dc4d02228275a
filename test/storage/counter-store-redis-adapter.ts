// The Redis entry of the counter-store adapters: each open() gets its own random key prefix on the
// Redis at TEST_REDIS_URL, and dispose removes that prefix's keys only (SCAN + DEL; never FLUSHDB,
// the Redis is shared with other test runs).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisCounterStore } from '../../src/storage/redis/redis-counter-store.js';
import { fakeClock } from '../helpers/fake-clock.js';
import type { AdapterFactory, CountersUnderTest } from './adapters.js';

/** Deletes every key under `prefix` (and nothing else). Returns how many. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) removed += await redis.del(...keys);
  } while (cursor !== '0');
  return removed;
}

export const redisCounterAdapter: AdapterFactory<CountersUnderTest> = {
  name: 'redis',
  unavailable: async () => (process.env['TEST_REDIS_URL'] ? null : 'TEST_REDIS_URL is not set'),
  open: async () => {
    const url = process.env['TEST_REDIS_URL'] as string;
    const prefix = `sealbin-test:${randomBytes(8).toString('hex')}:`;
    const clock = fakeClock();
    const redis = new Redis(url, { lazyConnect: true });
    await redis.connect();
    const counters = new RedisCounterStore(redis, clock, { prefix, nameKey: randomBytes(32) });
    return {
      store: { counters, clock },
      dispose: async () => {
        const janitor = new Redis(url);
        try {
          await deletePrefix(janitor, prefix);
        } finally {
          await counters.close();
          await janitor.quit();
        }
      },
    };
  },
};
