// Duplicate content: the same SHA-256 stored more than `max` times within `window` is refused
// (spam bots resubmitting one payload). Counted server-wide, on the hash computed while streaming.
import { AppError } from '../core/errors.js';
import type { CounterStore } from '../storage/ports.js';

export interface DedupPolicy {
  /** Uploads of one hash allowed per window; 0 disables. */
  max: number;
  windowSeconds: number;
}

export class DuplicateGuard {
  constructor(
    private readonly policy: DedupPolicy,
    private readonly counters: CounterStore,
  ) {}

  async check(sha256: string): Promise<void> {
    if (this.policy.max <= 0) return;
    const { value, ttl } = await this.counters.increment(`dedup:${sha256}`, this.policy.windowSeconds);
    if (value > this.policy.max) throw new AppError('DUPLICATE_CONTENT', undefined, { retry_after: Math.max(1, ttl) });
  }
}
