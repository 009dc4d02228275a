// Durable commits without blocking the event loop. With `synchronous = FULL` SQLite fsyncs the WAL
// inside COMMIT, on the thread that runs it: the event loop, where every other request then waits
// for the disk. A batch of creates instead commits with `synchronous = NORMAL` (the frames are
// written to the WAL, not yet synced) and then fdatasyncs the WAL file on libuv's thread pool; its
// callers are answered only after that, so a 201 still means the row survives a power cut.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export class WalSync {
  private handle: Promise<FileHandle> | null = null;
  private closed = false;

  constructor(private readonly walFile: string) {}

  /** Makes everything written to the WAL so far durable (the -wal file exists once a commit ran). */
  async sync(): Promise<void> {
    if (this.closed) throw new Error('the database is closed');
    // Opened once and kept: fsync reaches the file's data whichever descriptor asks, and SQLite's
    // locks live on other files, so this descriptor cannot disturb them.
    this.handle ??= open(this.walFile, 'r');
    const opening = this.handle;
    try {
      await (await opening).datasync();
    } catch (error) {
      // A failed open or sync: the next batch starts over with a fresh descriptor.
      if (this.handle === opening) this.handle = null;
      await (await opening.catch(() => null))?.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const handle = this.handle;
    this.handle = null;
    await (await handle?.catch(() => null))?.close();
  }
}
