// Free space for the server: the floor guard (statfs of the data dir and of the blob dir when it is
// elsewhere) and the space reserve in the data dir, re-created by the guard once space is back.
import type { Logger } from 'pino';
import { DiskGuard } from '../core/disk-guard.js';
import { SpaceReserve } from '../storage/fs/space-reserve.js';
import { StatfsProbe } from '../storage/fs/statfs-probe.js';

export interface DiskSpace {
  guard: DiskGuard;
  /** For removals on a full disk (ItemService): gives the reserve back, and says so in the log. */
  reserve: { release(cause: unknown): Promise<boolean> };
}

export async function openDiskSpace(dataDir: string, blobDir: string, floor: number, logger: Logger): Promise<DiskSpace> {
  const file = new SpaceReserve(dataDir);
  const guard = new DiskGuard(new StatfsProbe({ data: dataDir, blobs: blobDir }), floor, undefined, (state) => {
    // Space is back when the reserve fits and leaves as much again above the floor; a reserve taken
    // earlier would otherwise stay gone and the next full disk could not be freed by deleting.
    const free = state.perLocation['data'] ?? state.free;
    if (file.held !== false || free < floor + 2 * file.size) return;
    file.ensure().then(
      (held) => {
        if (held) logger.info({ bytes: file.size }, 'space reserve re-created');
      },
      (error: unknown) => logger.warn({ err: error }, 'could not re-create the space reserve'),
    );
  });
  if (!(await file.ensure())) logger.warn({ bytes: file.size, path: file.path }, 'no room for the space reserve: deletes on a full disk may fail until space is freed');
  return {
    guard,
    reserve: {
      release: async (cause) => {
        const released = await file.release();
        // The error that made room necessary (SQLITE_FULL, ENOSPC) is named, not just the remedy.
        if (released) logger.warn({ err: cause, bytes: file.size }, 'disk full: released the space reserve so that a removal can commit');
        return released;
      },
    },
  };
}
