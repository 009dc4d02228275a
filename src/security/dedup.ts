// Duplicate content: the same content stored more than `max` times within `window` is refused
// (spam bots resubmitting one payload). Counted on a keyed digest of the hash computed while
// streaming, per client by default: a server-wide count tells one client whether anyone else
// uploaded a guessed content (201 vs 429), and lets it block chosen content for everyone.
import { createHmac } from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { CounterStore } from '../storage/ports.js';

export interface DedupPolicy {
  /** Uploads of one content allowed per window; 0 disables. */
  max: number;
  windowSeconds: number;
  /** `client`: each client's own uploads; `global`: everyone's (documented side channel). */
  scope: 'client' | 'global';
}

export class DuplicateGuard {
  constructor(
    private readonly policy: DedupPolicy,
    private readonly counters: CounterStore,
    private readonly digestKey: Buffer,
  ) {}

  /**
   * Counts one upload of content with this SHA-256 by `client` (the limit key: owner or address
   * group); throws DUPLICATE_CONTENT past the limit.
   */
  async check(sha256: string, client: string): Promise<void> {
    if (this.policy.max <= 0) return;
    // Offline guessing: the counter store (shared Redis, a dump) only ever sees a keyed digest.
    const digest = createHmac('sha256', this.digestKey).update(`dedup:${sha256}`).digest('base64url');
    const key = this.policy.scope === 'global' ? `dedup:${digest}` : `dedup:${client}:${digest}`;
    const { value, ttl } = await this.counters.increment(key, this.policy.windowSeconds);
    if (value > this.policy.max) throw new AppError('DUPLICATE_CONTENT', undefined, { retry_after: Math.max(1, ttl) });
  }
}
