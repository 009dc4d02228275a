// A few MiB held in a file in the data dir, given back when a removal finds the disk full: SQLite
// must append to its WAL even to commit a DELETE (secure_delete zeroes the freed pages too), so on a
// disk with no byte left nothing could ever be deleted through the API. Re-created once space is back.
import { randomFillSync } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const RESERVE_FILE = 'space-reserve';
/** Room for many removals: each needs a few WAL pages until the next checkpoint truncates the WAL. */
export const RESERVE_BYTES = 4 * 1024 * 1024;

export class SpaceReserve {
  readonly path: string;
  private ensuring: Promise<boolean> | null = null;
  /** Whether the reserve is on disk, as far as this process made or released it (null: not yet known). */
  held: boolean | null = null;

  constructor(
    dataDir: string,
    readonly size = RESERVE_BYTES,
  ) {
    this.path = join(dataDir, RESERVE_FILE);
  }

  async present(): Promise<boolean> {
    try {
      return (await stat(this.path)).size >= this.size;
    } catch {
      return false;
    }
  }

  /** Creates the reserve if it is missing; false when there is no room for it (nothing is left behind). */
  ensure(): Promise<boolean> {
    this.ensuring ??= this.create()
      .then((held) => (this.held = held))
      .finally(() => {
        this.ensuring = null;
      });
    return this.ensuring;
  }

  private async create(): Promise<boolean> {
    if (await this.present()) return true;
    // Written under a temporary name, so a crash mid-write never leaves a short file that looks whole.
    const partial = `${this.path}.part`;
    try {
      const handle = await open(partial, 'w', 0o600);
      try {
        // Random bytes, not zeros: a compressing or deduplicating filesystem would store zeros in no space at all.
        const block = randomFillSync(Buffer.allocUnsafe(1024 * 1024));
        for (let offset = 0; offset < this.size; offset += block.length) await handle.write(block, 0, Math.min(block.length, this.size - offset), offset);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(partial, this.path);
      return true;
    } catch (error) {
      await unlink(partial).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') return false;
      throw error;
    }
  }

  /** Gives the space back; true when there was a reserve to release. */
  async release(): Promise<boolean> {
    try {
      await unlink(this.path);
      this.held = false;
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.held = false;
        return false;
      }
      throw error;
    }
  }
}
