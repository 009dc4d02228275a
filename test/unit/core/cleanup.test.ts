// core/cleanup.ts over real SQLite files (two connections stand for two instances sharing a database)
// and blob stores: batches that let the event loop run, exactly-once removal across instances, and
// leftovers removed only once older than LEFTOVER_AGE_MS, on the schedule as well as at start.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEFTOVER_AGE_MS, scheduleCleanup, sweepExpired, sweepLeftovers } from '../../../src/core/cleanup.js';
import type { CleanupDeps, CleanupRun } from '../../../src/core/cleanup.js';
import { FsBlobStore } from '../../../src/storage/fs/fs-blob-store.js';
import type { BlobStore, MetadataStores } from '../../../src/storage/ports.js';
import { openSqliteStores } from '../../../src/storage/sqlite/sqlite-stores.js';
import { fakeClock, T0 } from '../../helpers/fake-clock.js';
import { MemoryBlobStore } from '../../helpers/memory-blob-store.js';
import { waitFor } from '../../helpers/wait.js';
import { item } from '../../storage/records.js';

const blobId = () => randomBytes(16).toString('hex');

let dir: string;
const opened: MetadataStores[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealbin-cleanup-'));
});
afterEach(async () => {
  for (const stores of opened.splice(0)) await stores.metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One more connection to the test database, as another instance would hold. */
async function instance(): Promise<MetadataStores> {
  const stores = await openSqliteStores(join(dir, 'sealbin.db'));
  opened.push(stores);
  return stores;
}

async function commitBlob(store: BlobStore, id: string): Promise<void> {
  const writer = await store.create(id);
  await pipeline(Readable.from([randomBytes(3000)]), writer.stream);
  await writer.commit();
}

async function listAll(store: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of store.list(Number.POSITIVE_INFINITY)) ids.push(id);
  return ids.sort();
}

function deps(stores: MetadataStores, blobs: BlobStore, errors: unknown[], clock = fakeClock()): CleanupDeps {
  return { metadata: stores.metadata, blobs, clock, onError: (error) => errors.push(error) };
}

describe('sweepExpired', () => {
  it('lets the event loop run between batches: a timer fires many times while 3,000 items are removed', async () => {
    const stores = await instance();
    await Promise.all(Array.from({ length: 3000 }, () => stores.metadata.insertItem(item({ expiresAt: T0 - 1 }))));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const errors: unknown[] = [];
    const removed = await sweepExpired(deps(stores, new MemoryBlobStore(), errors)).finally(() => clearInterval(ticker));
    expect(removed).toBe(3000);
    expect(errors).toEqual([]);
    // Deleting row by row in one go (issue 12) let no timer fire until the very end.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('two instances sweeping one database and blob dir at once remove every due item once, shred every blob, and report no error', async () => {
    const [one, two] = [await instance(), await instance()];
    const blobsOne = new FsBlobStore(join(dir, 'blobs'), 1);
    const blobsTwo = new FsBlobStore(join(dir, 'blobs'), 1);
    await blobsOne.init();
    const due = Array.from({ length: 400 }, (_, n) => item({ expiresAt: T0 - 1, ...(n % 4 === 0 ? { blobId: blobId(), inline: null } : {}) }));
    const live = Array.from({ length: 10 }, () => item({ expiresAt: T0 + 3600, blobId: blobId(), inline: null }));
    for (const i of [...due, ...live]) if (i.blobId) await commitBlob(blobsOne, i.blobId);
    await Promise.all([...due, ...live].map((i) => one.metadata.insertItem(i)));
    const errors: unknown[] = [];
    const counts = await Promise.all([sweepExpired(deps(one, blobsOne, errors)), sweepExpired(deps(two, blobsTwo, errors))]);
    expect(counts[0] + counts[1]).toBe(due.length);
    expect(errors).toEqual([]);
    expect(await listAll(blobsOne)).toEqual(live.map((i) => i.blobId).sort());
    for (const i of live) expect(await two.metadata.getLive(i.id, T0)).not.toBeNull();
  });

  it('reports a blob that fails to shred and goes on with the rest', async () => {
    const stores = await instance();
    const blobs = new MemoryBlobStore();
    const items = Array.from({ length: 5 }, () => item({ expiresAt: T0 - 1, blobId: blobId(), inline: null }));
    for (const i of items) blobs.put(i.blobId as string, randomBytes(10));
    await Promise.all(items.map((i) => stores.metadata.insertItem(i)));
    const failing = items[2]?.blobId as string;
    const remove = blobs.remove.bind(blobs);
    blobs.remove = async (id) => (id === failing ? Promise.reject(new Error('EIO while shredding')) : remove(id));
    const errors: unknown[] = [];
    expect(await sweepExpired(deps(stores, blobs, errors))).toBe(5);
    expect(errors).toHaveLength(1);
    // Its row is gone, so the orphan sweep takes it later.
    expect(await listAll(blobs)).toEqual([failing]);
  });
});

describe('sweepLeftovers', () => {
  it('removes blobs without a row and uncommitted writes older than LEFTOVER_AGE_MS, never younger ones or blobs with a row', async () => {
    const stores = await instance();
    const clock = fakeClock();
    let nowMs = T0 * 1000;
    const blobs = new MemoryBlobStore({ now: () => nowMs });
    const [orphanOld, orphanNew, referenced] = [blobId(), blobId(), blobId()];
    blobs.put(orphanOld, randomBytes(10), nowMs - LEFTOVER_AGE_MS - 1000);
    blobs.put(referenced, randomBytes(10), nowMs - LEFTOVER_AGE_MS - 1000);
    blobs.put(orphanNew, randomBytes(10), nowMs - LEFTOVER_AGE_MS + 60_000);
    await stores.metadata.insertItem(item({ blobId: referenced, inline: null }));
    nowMs -= LEFTOVER_AGE_MS + 1000;
    const crashed = await blobs.create(blobId());
    nowMs += LEFTOVER_AGE_MS - 60_000;
    const uploading = await blobs.create(blobId());
    const errors: unknown[] = [];
    expect(await sweepLeftovers(deps(stores, blobs, errors, clock))).toEqual({ incomplete: 1, orphans: 1 });
    expect(await listAll(blobs)).toEqual([orphanNew, referenced].sort());
    expect(blobs.pending.size).toBe(1);
    await expect(crashed.commit()).rejects.toThrow();
    await uploading.abort();
    expect(errors).toEqual([]);
  });
});

describe('scheduleCleanup', () => {
  it('runs at once, then on the interval; leftovers on the first run and on every n-th after it', async () => {
    const stores = await instance();
    const clock = fakeClock();
    const blobs = new MemoryBlobStore({ now: () => clock.now() * 1000 });
    const runs: CleanupRun[] = [];
    const errors: unknown[] = [];
    await stores.metadata.insertItem(item({ expiresAt: T0 - 1 }));
    const schedule = scheduleCleanup({ ...deps(stores, blobs, errors, clock), onRun: (run) => runs.push(run) }, { intervalMs: 20, leftoversEvery: 3 });
    await waitFor(() => runs.length >= 1, 'the first run');
    expect(runs[0]).toMatchObject({ startup: true, expired: 1, orphans: 0 });
    // A crash leftover appears after the first run: only a leftover run (index 3, 6, ...) may take it.
    const orphan = blobId();
    blobs.put(orphan, randomBytes(10), clock.now() * 1000 - LEFTOVER_AGE_MS - 1000);
    await waitFor(() => runs.some((run) => run.orphans > 0), 'a scheduled run that sweeps leftovers', { timeoutMs: 20_000 });
    await schedule.stop();
    const sweeping = runs.findIndex((run) => run.orphans > 0);
    expect(sweeping % 3).toBe(0);
    expect(runs.slice(1).every((run) => !run.startup)).toBe(true);
    expect(blobs.get(orphan)).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
