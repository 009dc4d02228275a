// The shared CounterStore: every instance behind a load balancer counts in one Redis, so limits,
// brute-force blocks, the flood level, used PoW tokens and duplicate windows hold across instances.
// Read-modify-writes are Lua scripts (redis-scripts.ts); rate limits are rate-limiter-flexible's
// RateLimiterRedis. Errors propagate: failing closed is the caller's policy (security/fail-closed.ts).
import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Clock } from '../../core/clock.js';
import type { CounterStore, CounterValue, RateDecision } from '../ports.js';
import { decide, remainingAfterRefund } from '../memory/memory-counter-store.js';
import { CLAIM, INCREMENT, PUT } from './redis-scripts.js';

/** The scripts as ioredis commands (EVALSHA, falling back to EVAL after a Redis restart empties the script cache). */
interface ScriptCommands {
  sealbinIncrement(key: string, now: number, ttl: number, by: number, refresh: 0 | 1): Promise<[number, number]>;
  sealbinClaim(key: string, now: number, ttl: number): Promise<number>;
  sealbinPut(key: string, now: number, ttl: number, value: number): Promise<number>;
}

export interface RedisCounterOptions {
  /** Start of every key (e.g. "sealbin:"), so one Redis can serve several deployments. */
  prefix: string;
  /** HMAC key for key names, the same on every instance (derived from the shared root secret). */
  nameKey: Buffer;
}

export class RedisCounterStore implements CounterStore {
  private readonly scripts: ScriptCommands;
  private readonly limiters = new Map<string, RateLimiterRedis>();

  /** @example new RedisCounterStore(new Redis(url), systemClock, { prefix: 'sealbin:', nameKey: keyring.digestKey }) */
  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly options: RedisCounterOptions,
  ) {
    redis.defineCommand('sealbinIncrement', { numberOfKeys: 1, lua: INCREMENT });
    redis.defineCommand('sealbinClaim', { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand('sealbinPut', { numberOfKeys: 1, lua: PUT });
    this.scripts = redis as unknown as ScriptCommands;
  }

  /**
   * The Redis name of a logical key: its kind in clear (for operators: `sealbin:bf:*`), the rest as
   * an HMAC. Privacy: keys carry client addresses and owners, which a shared Redis (MONITOR, a dump,
   * another tenant of the server) must not reveal; keyed, so the small IPv4 space cannot be enumerated.
   */
  private name(key: string): string {
    const kind = /^[a-z]+/.exec(key)?.[0] ?? 'k';
    return `${this.options.prefix}${kind}:${this.digest(key)}`;
  }

  private digest(key: string): string {
    return createHmac('sha256', this.options.nameKey).update(`sealbin-counter-name-v1\0${key}`).digest('base64url');
  }

  async increment(key: string, ttlSeconds: number, options: { by?: number; refresh?: boolean } = {}): Promise<CounterValue> {
    const [value, ttl] = await this.scripts.sealbinIncrement(this.name(key), this.clock.now(), ttlSeconds, options.by ?? 1, options.refresh ? 1 : 0);
    return { value, ttl };
  }

  async get(key: string): Promise<CounterValue | null> {
    const [value, expires] = await this.redis.hmget(this.name(key), 'v', 'e');
    const now = this.clock.now();
    if (value === null || expires === null || Number(expires) <= now) return null;
    return { value: Number(value), ttl: Number(expires) - now };
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.scripts.sealbinClaim(this.name(key), this.clock.now(), ttlSeconds)) === 1;
  }

  async put(key: string, value: number, ttlSeconds: number): Promise<void> {
    await this.scripts.sealbinPut(this.name(key), this.clock.now(), ttlSeconds, value);
  }

  private limiter(bucket: string, limit: number, windowSeconds: number): RateLimiterRedis {
    const id = `${bucket}:${limit}:${windowSeconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      // rejectIfRedisNotReady: while disconnected a limit answers at once (503), never waits.
      limiter = new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.options.prefix}${bucket}`, points: limit, duration: windowSeconds, rejectIfRedisNotReady: true });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  async consume(bucket: string, key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const limiter = this.limiter(bucket, limit, windowSeconds);
    return decide(limit, () => limiter.consume(this.digest(key)));
  }

  async refund(bucket: string, key: string, limit: number, windowSeconds: number): Promise<number> {
    const result = await this.limiter(bucket, limit, windowSeconds).reward(this.digest(key), 1);
    return remainingAfterRefund(limit, result);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    // quit() waits for replies in flight; when Redis is gone it rejects at once and we just drop the socket.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
