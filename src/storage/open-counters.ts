// The one place that chooses the CounterStore: Redis when SEALBIN_REDIS_URL is set (shared by every
// instance), else in memory (one process).
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import { MemoryCounterStore } from './memory/memory-counter-store.js';
import type { CounterStore } from './ports.js';

/**
 * @param nameKey HMAC key for Redis key names; the same on every instance sharing the database.
 * @example const counters = await openCounters(config, systemClock, logger, keyring.digestKey)
 */
export async function openCounters(config: Config, clock: Clock, logger: Logger, nameKey: Buffer): Promise<CounterStore> {
  if (config.redisUrl === undefined) return new MemoryCounterStore(clock);
  // ioredis and the Redis store load only here: an instance without Redis never pays their memory.
  const [{ openRedis }, { RedisCounterStore }] = await Promise.all([import('./redis/redis-connection.js'), import('./redis/redis-counter-store.js')]);
  const redis = await openRedis(config.redisUrl, logger);
  return new RedisCounterStore(redis, clock, { prefix: config.redisPrefix, nameKey });
}
