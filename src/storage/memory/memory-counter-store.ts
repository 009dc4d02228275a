// The single-instance CounterStore: a Map with expiry on the injected clock, plus
// rate-limiter-flexible's in-memory limiter for rate limits.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../../core/clock.js';
import type { CounterStore, CounterValue, RateDecision } from '../ports.js';

interface Entry {
  value: number;
  expiresAt: number;
}

/** Memory exhaustion by key rotation (e.g. many IPv6 /64s): the oldest entries go first past this. */
const MAX_ENTRIES = 500_000;

export class MemoryCounterStore implements CounterStore {
  private readonly entries = new Map<string, Entry>();
  private readonly limiters = new Map<string, RateLimiterMemory>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live(key: string): Entry | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry;
  }

  private set(key: string, entry: Entry): void {
    if (!this.entries.has(key) && this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
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
    this.set(key, { value: 1, expiresAt: this.clock.now() + ttlSeconds });
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
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
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
