// Removal of expired and burned items and of crash leftovers, on a schedule whose first run starts
// with the server. Idempotent and safe from several instances at once: the database hands each due
// row to exactly one sweeper, removing a missing blob is a no-op, and a leftover is touched only once
// it is old enough that no instance can still be writing it or about to insert its row.
import type { BlobStore, MetadataStore, ShortLinkStore } from '../storage/ports.js';
import type { Clock } from './clock.js';

/** A claimed burn-after-read item is removed by its reader; this grace covers readers that crashed. */
export const BURN_GRACE_SECONDS = 3600;

/**
 * How old an uncommitted write or a blob without a row must be to count as a crash leftover. An
 * upload that sends nothing for 60 s is cut off (app.ts TIMEOUTS.idleMs) and a committed blob gets
 * its row within seconds (fsync, rename, one commit), so an hour is a wide margin for a stalled
 * database, a slow disk and clocks that differ between instances sharing one blob store; meanwhile a
 * leftover costs only disk space. Resumable uploads that may pause longer must not keep their partial
 * data as uncommitted blobs.
 */
export const LEFTOVER_AGE_MS = 60 * 60_000;

/**
 * Rows per DELETE, adapted as the sweep goes so that one batch costs about BATCH_TARGET_MS of CPU on
 * the event loop: a request that arrives meanwhile waits about that long. The cost of a row varies
 * with the machine and its load (bench/expiry-sweep.ts: ~0.03-0.1 ms per small row with its indexes
 * and secure delete, plus one commit per batch).
 */
export const SWEEP_BATCH = { first: 100, min: 10, max: 1000 };
const BATCH_TARGET_MS = 2;

/** Blobs shredded at once: keeps the disk busy without taking every libuv thread that reads need too. */
const SHRED_CONCURRENCY = 2;

/** Blobs listed between two yields in the orphan sweep (one lookup each). */
const ORPHAN_YIELD_EVERY = 100;

export interface CleanupDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  onError: (error: unknown) => void;
  /** Partial (tus) uploads expire too; returns how many it shredded. */
  partials?: { sweepExpired(): Promise<number> };
  /** Short links expire too. */
  links?: ShortLinkStore;
  /** Told after each scheduled run (log line, metrics). */
  onRun?: (run: CleanupRun) => void;
}

/** What one scheduled run removed. */
export interface CleanupRun {
  /** The first run, started with the server. */
  startup: boolean;
  /** Expired or burned items, expired short links and expired partial uploads. */
  expired: number;
  /** Uncommitted writes older than LEFTOVER_AGE_MS (not swept on every run). */
  incomplete: number;
  /** Blobs no row refers to, older than LEFTOVER_AGE_MS (not swept on every run). */
  orphans: number;
  /** Wall-clock duration of the run. */
  ms: number;
}

/** Lets queued I/O callbacks (requests) run before going on. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Between batches the sweep rests four times as long as the last batch held the event loop, so it
 * takes about a fifth of it at most: a request needs several turns of the loop, and with only a yield between
 * batches it would wait for a batch at each turn. The sweep is in no hurry: expired items are
 * invisible already.
 */
const rest = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.ceil(ms)));

/**
 * One expiry sweep: removes everything due now in batches (one statement each), shreds their blobs
 * off the event loop and rests between batches. Returns the number of items and links removed.
 * `stopped` ends the sweep early between batches (shutdown); the next run goes on where it left off.
 */
export async function sweepExpired(deps: CleanupDeps, stopped: () => boolean = () => false): Promise<number> {
  let removed = deps.links ? await deps.links.deleteExpiredLinks(deps.clock.now()) : 0;
  let size = SWEEP_BATCH.first;
  while (!stopped()) {
    const now = deps.clock.now();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const batch = await deps.metadata.removeDue(now, now - BURN_GRACE_SECONDS, size);
    const held = performance.now() - started;
    // Sized by CPU time: on a loaded machine the wall clock also counts time the process was not
    // running at all, and batches sized by it would shrink to a few rows with a commit each.
    const used = process.cpuUsage(cpu);
    const cost = (used.user + used.system) / 1000;
    if (batch.length === 0) break;
    if (cost > 2 * BATCH_TARGET_MS) size = Math.max(SWEEP_BATCH.min, Math.floor(size / 2));
    else if (cost < BATCH_TARGET_MS / 2 && batch.length === size) size = Math.min(SWEEP_BATCH.max, size * 2);
    removed += batch.length;
    await shredAll(deps, batch.flatMap((item) => (item.blobId ? [item.blobId] : [])));
    // Rest by wall time: what requests waited for, however slow the machine is.
    await rest(4 * held);
  }
  return removed;
}

/**
 * Shreds blobs whose rows are gone, a few at a time. A failure is reported and the sweep goes on:
 * the blob now has no row, so a later orphan sweep retries it.
 */
async function shredAll(deps: CleanupDeps, blobIds: string[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < blobIds.length) {
      const blobId = blobIds[next++] as string;
      await deps.blobs.remove(blobId).catch(deps.onError);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SHRED_CONCURRENCY, blobIds.length) }, worker));
}

/**
 * Blobs no row refers to (a crash between blob commit and row insert, or between row delete and
 * shred), last written before `olderThanMs`: a younger one may be another instance's upload whose
 * row is not inserted yet.
 */
export async function sweepOrphans(deps: CleanupDeps, olderThanMs: number, stopped: () => boolean = () => false): Promise<number> {
  let removed = 0;
  let seen = 0;
  for await (const blobId of deps.blobs.list(olderThanMs)) {
    if (stopped()) break;
    if (!(await deps.metadata.hasBlob(blobId))) {
      await deps.blobs.remove(blobId);
      removed++;
    }
    if (++seen % ORPHAN_YIELD_EVERY === 0) await yieldToEventLoop();
  }
  return removed;
}

/** Crash leftovers older than LEFTOVER_AGE_MS: uncommitted writes, then blobs without a row. */
export async function sweepLeftovers(deps: CleanupDeps, stopped: () => boolean = () => false): Promise<{ incomplete: number; orphans: number }> {
  const cutoff = (deps.clock.precise?.() ?? deps.clock.now()) * 1000 - LEFTOVER_AGE_MS;
  const incomplete = await deps.blobs.sweepIncomplete(cutoff);
  const orphans = await sweepOrphans(deps, cutoff, stopped);
  return { incomplete, orphans };
}

export interface CleanupSchedule {
  intervalMs: number;
  /** Crash leftovers are swept on the first run and then on every this-many-th run. */
  leftoversEvery: number;
}

/**
 * Runs a sweep now (in the background: a start with many expired items is not delayed, and expired
 * items are invisible anyway) and then every `intervalMs` until stopped; overlapping runs are skipped.
 */
export function scheduleCleanup(deps: CleanupDeps, schedule: CleanupSchedule): { stop: () => Promise<void> } {
  let runs = 0;
  let running: Promise<void> | null = null;
  let stopping = false;
  const stopped = () => stopping;
  const runOnce = async (index: number): Promise<void> => {
    const started = performance.now();
    const expired = (await sweepExpired(deps, stopped)) + (deps.partials ? await deps.partials.sweepExpired() : 0);
    const leftovers = index % schedule.leftoversEvery === 0 ? await sweepLeftovers(deps, stopped) : { incomplete: 0, orphans: 0 };
    deps.onRun?.({ startup: index === 0, expired, ...leftovers, ms: Math.round(performance.now() - started) });
  };
  const tick = () => {
    if (running || stopping) return;
    running = runOnce(runs++)
      .catch(deps.onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, schedule.intervalMs);
  timer.unref();
  tick();
  return {
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      await running;
    },
  };
}
