// Removal of expired and burned items, on a schedule and at start. Idempotent and safe to run from
// several instances at once: a row is deleted by exactly one of them, and shredding a missing blob is a no-op.
import type { BlobStore, MetadataStore, ShortLinkStore } from '../storage/ports.js';
import type { Clock } from './clock.js';

/** A claimed burn-after-read item is removed by its reader; this grace covers readers that crashed. */
export const BURN_GRACE_SECONDS = 3600;
const BATCH = 200;

export interface CleanupDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  onError: (error: unknown) => void;
  /** Short links expire too. */
  links?: ShortLinkStore;
  /** Told after each scheduled run with the number removed (metrics). */
  onRun?: (removed: number) => void;
}

/** One sweep: removes everything due now. Returns the number of items removed. */
export async function sweepExpired(deps: CleanupDeps): Promise<number> {
  let removed = deps.links ? await deps.links.deleteExpiredLinks(deps.clock.now()) : 0;
  for (;;) {
    const now = deps.clock.now();
    const due = await deps.metadata.listRemovable(now, now - BURN_GRACE_SECONDS, BATCH);
    if (due.length === 0) return removed;
    for (const item of due) {
      const gone = await deps.metadata.deleteItem(item.id);
      if (gone?.blobId) await deps.blobs.remove(gone.blobId);
      if (gone) removed++;
    }
    if (due.length < BATCH) return removed;
  }
}

/** A blob younger than this may be one whose row another instance is about to insert. */
export const ORPHAN_MIN_AGE_SECONDS = 3600;

/** Blobs no row refers to (a crash between blob commit and row insert), old enough not to be in flight. */
export async function sweepOrphans(deps: CleanupDeps): Promise<number> {
  let removed = 0;
  for await (const blobId of deps.blobs.list((deps.clock.now() - ORPHAN_MIN_AGE_SECONDS) * 1000)) {
    if (!(await deps.metadata.hasBlob(blobId))) {
      await deps.blobs.remove(blobId);
      removed++;
    }
  }
  return removed;
}

/** Runs sweepExpired every `intervalMs` until stopped; overlapping runs are skipped. */
export function scheduleCleanup(deps: CleanupDeps, intervalMs: number): { stop: () => Promise<void> } {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepExpired(deps)
      .then((removed) => deps.onRun?.(removed))
      .catch(deps.onError)
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
