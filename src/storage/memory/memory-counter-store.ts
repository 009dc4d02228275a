// The single-instance CounterStore: a Map with expiry on the injected clock, plus
// rate-limiter-flexible's in-memory limiter for rate limits.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../../core/clock.js';
import type { CounterStore, CounterValue, RateDecision } from '../ports.js';

interface Entry {
  value: number;
  expiresAt: number;
}

/** Memory exhaustion by key rotation (e.g. many IPv6 /64s): counters and claims together stay below this. */
export const MAX_ENTRIES = 500_000;

/** Thrown when the store is full of unexpired single-use claims; fail-closed callers answer 503. */
export class CounterStoreFullError extends Error {
  constructor() {
    super('the in-memory counter store is full of unexpired single-use claims');
    this.name = 'CounterStoreFullError';
  }
}

export class MemoryCounterStore implements CounterStore {
  /** Counters (rate, brute force, flood, dedup): the oldest is evicted when the store is full. */
  private readonly entries = new Map<string, Entry>();
  /** Single-use records (`claim`, e.g. used PoW nonces): never evicted before they expire. */
  private readonly claims = new Map<string, Entry>();
  private readonly limiters = new Map<string, RateLimiterMemory>();
  private readonly sweeper: NodeJS.Timeout;
  /** When a full store last swept, so a flood of inserts into a full store sweeps once per second, not once per insert. */
  private lastFullSweep = Number.NEGATIVE_INFINITY;

  /** @example new MemoryCounterStore(systemClock) // maxEntries only lowered in tests */
  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = MAX_ENTRIES,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** How many records are held (expired ones not yet swept included). */
  get size(): number {
    return this.entries.size + this.claims.size;
  }

  private live(key: string): Entry | null {
    for (const map of [this.claims, this.entries]) {
      const entry = map.get(key);
      if (!entry) continue;
      if (entry.expiresAt > this.clock.now()) return entry;
      map.delete(key);
    }
    return null;
  }

  /** Makes room for one new record: expired ones first, then the oldest counter, never an unexpired claim. */
  private makeRoom(): void {
    if (this.size < this.maxEntries) return;
    const now = this.clock.now();
    if (now > this.lastFullSweep) {
      this.lastFullSweep = now;
      this.sweep();
      if (this.size < this.maxEntries) return;
    }
    const oldest = this.entries.keys().next().value;
    if (oldest !== undefined) {
      this.entries.delete(oldest);
      return;
    }
    // PoW replay: evicting a used nonce before its token expires would let the token be spent again,
    // so with only unexpired claims left the store refuses (fail closed) instead of forgetting one.
    throw new CounterStoreFullError();
  }

  private set(key: string, entry: Entry): void {
    const claimed = this.claims.get(key);
    if (claimed) {
      // A claim key stays a claim: written over in place, never moved to the evictable counters.
      Object.assign(claimed, entry);
      return;
    }
    if (!this.entries.has(key)) this.makeRoom();
    this.entries.set(key, entry);
  }

  async increment(key: string, ttlSeconds: number, options: { by?: number; refresh?: boolean } = {}): Promise<CounterValue> {
    const now = this.clock.now();
    const entry = this.live(key) ?? { value: 0, expiresAt: now + ttlSeconds };
    entry.value += options.by ?? 1;
    if (options.refresh) entry.expiresAt = now + ttlSeconds;
    this.set(key, entry);
    return { value: entry.value, ttl: entry.expiresAt - now };
  }

  async get(key: string): Promise<CounterValue | null> {
    const entry = this.live(key);
    return entry ? { value: entry.value, ttl: entry.expiresAt - this.clock.now() } : null;
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.makeRoom();
    this.claims.set(key, { value: 1, expiresAt: this.clock.now() + ttlSeconds });
    return true;
  }

  async put(key: string, value: number, ttlSeconds: number): Promise<void> {
    this.set(key, { value, expiresAt: this.clock.now() + ttlSeconds });
  }

  private limiter(bucket: string, limit: number, windowSeconds: number): RateLimiterMemory {
    const name = `${bucket}:${limit}:${windowSeconds}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new RateLimiterMemory({ keyPrefix: bucket, points: limit, duration: windowSeconds });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  async consume(bucket: string, key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const limiter = this.limiter(bucket, limit, windowSeconds);
    return decide(limit, () => limiter.consume(key));
  }

  async refund(bucket: string, key: string, limit: number, windowSeconds: number): Promise<number> {
    const result = await this.limiter(bucket, limit, windowSeconds).reward(key, 1);
    return remainingAfterRefund(limit, result);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const map of [this.entries, this.claims]) for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.claims.clear();
  }
}

/** Points left after a reward; a reward never lifts the budget above the limit. */
export function remainingAfterRefund(limit: number, result: RateLimiterRes): number {
  return Math.min(limit, Math.max(0, limit - result.consumedPoints));
}

/** Turns rate-limiter-flexible's resolve/reject convention into a decision; backend errors propagate. */
export async function decide(limit: number, consume: () => Promise<RateLimiterRes>): Promise<RateDecision> {
  try {
    const result = await consume();
    return { allowed: true, limit, remaining: result.remainingPoints, resetIn: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { allowed: false, limit, remaining: 0, resetIn: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
    throw error;
  }
}
