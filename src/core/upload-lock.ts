// One request at a time per partial upload (in this process). A newcomer asks the holder to stop:
// a client that lost its connection resumes with a new request while the server may still be
// reading the old one, and must not wait for the idle timeout to notice it.

interface Holder {
  done: Promise<void>;
  cancel: () => void;
}

export class UploadLocks {
  private readonly holders = new Map<string, Holder>();

  /**
   * Runs `work` holding the lock of `id`. `cancel` is called if another request wants the lock
   * meanwhile: it should make `work` wind up soon (e.g. by ending the request body it reads).
   */
  async run<T>(id: string, cancel: () => void, work: () => Promise<T>): Promise<T> {
    for (let holder = this.holders.get(id); holder; holder = this.holders.get(id)) {
      holder.cancel();
      await holder.done;
    }
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

  /** Whether a request works on `id` right now (the sweep leaves those alone). */
  busy(id: string): boolean {
    return this.holders.has(id);
  }
}
