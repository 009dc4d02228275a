// The one place that chooses the CounterStore: Redis when SEALBIN_REDIS_URL is set (shared by every
// instance), else in memory (one process).
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import { MemoryCounterStore } from './memory/memory-counter-store.js';
import type { CounterStore } from './ports.js';
import { RedisCounterStore } from './redis/redis-counter-store.js';
import { openRedis } from './redis/redis-connection.js';

/**
 * @param nameKey HMAC key for Redis key names; the same on every instance sharing the database.
 * @example const counters = await openCounters(config, systemClock, logger, keyring.digestKey)
 */
export async function openCounters(config: Config, clock: Clock, logger: Logger, nameKey: Buffer): Promise<CounterStore> {
  if (config.redisUrl === undefined) return new MemoryCounterStore(clock);
  const redis = await openRedis(config.redisUrl, logger);
  return new RedisCounterStore(redis, clock, { prefix: config.redisPrefix, nameKey });
}
