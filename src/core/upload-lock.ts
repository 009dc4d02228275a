// One request at a time per partial upload (in this process). A newcomer asks the holder to stop:
// a client that lost its connection resumes with a new request while the server may still be
// reading the old one, and must not wait for the idle timeout to notice it. Alone it serves a
// store only this process uses; storage/postgres/postgres-upload-locks.ts extends it across instances.
import type { UploadLocker } from '../storage/ports.js';

interface Holder {
  done: Promise<void>;
  cancel: () => void;
}

export class UploadLocks implements UploadLocker {
  private readonly holders = new Map<string, Holder>();

  async run<T>(id: string, cancel: () => void, work: () => Promise<T>): Promise<T> {
    for (let holder = this.holders.get(id); holder; holder = this.holders.get(id)) {
      holder.cancel();
      await holder.done;
    }
    return this.hold(id, cancel, work);
  }

  async tryRun<T>(id: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.holders.has(id)) return undefined;
    return this.hold(id, () => undefined, work);
  }

  /** Asks the holder of `id`, if any, to stop (a newcomer on another instance wants the lock). */
  interrupt(id: string): void {
    this.holders.get(id)?.cancel();
  }

  async close(): Promise<void> {
    // Nothing is held outside this process.
  }

  private async hold<T>(id: string, cancel: () => void, work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.holders.set(id, { done, cancel });
    try {
      return await work();
    } finally {
      this.holders.delete(id);
      release();
    }
  }
}
