// Brute-force blocking: guessing ids or diceware keys yields 404s; too many from one address group
// for one action blocks that group for that action, valid ids included, for the block time.
import { AppError } from '../core/errors.js';
import type { CounterStore } from '../storage/ports.js';

export interface BrutePolicy {
  /** Failed lookups allowed within `blockSeconds`; 0 disables. */
  max: number;
  blockSeconds: number;
}

export class BruteForceGuard {
  /** Told when a block starts (metrics). */
  onBlock: ((action: string) => void) | null = null;

  constructor(
    private readonly policy: BrutePolicy,
    private readonly counters: CounterStore,
  ) {}

  get enabled(): boolean {
    return this.policy.max > 0;
  }

  /** Throws BLOCKED (with retry_after) while `who` is blocked for `action`. */
  async check(action: string, who: string): Promise<void> {
    if (!this.enabled) return;
    const block = await this.counters.get(`bf:block:${action}:${who}`);
    if (block) throw new AppError('BLOCKED', undefined, { retry_after: Math.max(1, block.ttl) });
  }

  /** Counts one failed lookup; the one that reaches the maximum starts the block. */
  async fail(action: string, who: string): Promise<void> {
    if (!this.enabled) return;
    const { value } = await this.counters.increment(`bf:fail:${action}:${who}`, this.policy.blockSeconds);
    if (value >= this.policy.max) {
      await this.counters.put(`bf:block:${action}:${who}`, 1, this.policy.blockSeconds);
      if (value === this.policy.max) this.onBlock?.(action);
    }
  }
}
