// Server-wide anti-flood: more than `threshold` creations in a `window` raises the PoW difficulty by
// `step` bits per breach (up to `max`); after a window without breaches it is back to base. The level
// lives in the CounterStore with the window as its lifetime, so expiry *is* the decay.
import type { Clock } from '../core/clock.js';
import type { CounterStore } from '../storage/ports.js';

export interface FloodPolicy {
  base: number;
  max: number;
  threshold: number;
  windowSeconds: number;
  step: number;
}

const LEVEL_KEY = 'flood:level';

export class AntiFlood {
  constructor(
    private readonly policy: FloodPolicy,
    private readonly counters: CounterStore,
    private readonly clock: Clock,
  ) {}

  /** The difficulty challenges are issued at and solutions must meet, right now. */
  async difficulty(): Promise<number> {
    const { base, max, step } = this.policy;
    if (base <= 0) return 0;
    const level = (await this.counters.get(LEVEL_KEY))?.value ?? 0;
    return Math.min(Math.max(base, max), base + level * step);
  }

  /** Records one creation; a breach of the threshold raises the level (once per window). */
  async recordCreation(): Promise<void> {
    const { threshold, windowSeconds } = this.policy;
    const window = Math.floor(this.clock.now() / windowSeconds);
    const { value } = await this.counters.increment(`flood:count:${window}`, windowSeconds * 2);
    if (value === threshold + 1) {
      // The level lives until the end of the window after this one: a whole window without a
      // breach brings the difficulty back to base, a breach in every window keeps it rising.
      const ttl = (window + 2) * windowSeconds - this.clock.now();
      await this.counters.increment(LEVEL_KEY, ttl, { refresh: true });
    }
  }
}
