// Download counts are statistics: reads add them up in memory and they are written in one commit
// per second, instead of every read paying for a durable (fsync'd) write of its own.
import type { MetadataStore } from '../storage/ports.js';

export const TALLY_FLUSH_MS = 1000;

export class DownloadTally {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly onError: (error: unknown) => void,
    intervalMs = TALLY_FLUSH_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  count(id: string): void {
    this.pending.set(id, (this.pending.get(id) ?? 0) + 1);
  }

  /** Downloads counted here but not written yet (added to what the store says). */
  unflushed(id: string): number {
    return this.pending.get(id) ?? 0;
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.metadata.addDownloads(batch);
      } catch (error) {
        // Kept for the next flush: a database that was briefly away must not lose a second of counts.
        for (const [id, count] of batch) this.pending.set(id, (this.pending.get(id) ?? 0) + count);
        this.onError(error);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
