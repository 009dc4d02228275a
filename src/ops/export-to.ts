// `sealbin export-to`: a one-shot copy of everything a server stores (settings with the root secret,
// the CA and certificates, items with their wrapped keys and sealed fields, short links, the PKI audit
// trail, and the encrypted blobs) from one set of stores into another, typically from the default
// SQLite + files into PostgreSQL. Nothing is decrypted: the target needs the same master key.
//
// Interrupted runs: blobs are copied first, then every row in one transaction. An interruption before
// that commit leaves the target's tables as empty as before (rolled back) and some unreferenced blobs,
// which the next run overwrites (and the orphan sweep removes if nobody runs it again); the command
// can simply be run again. After the commit the target is complete, and a second run refuses it.
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { BlobStore, CopiedTable, MetadataStores, StoredRow } from '../storage/ports.js';
import { COPIED_TABLES } from '../storage/ports.js';

export interface StoreSet {
  stores: MetadataStores;
  blobs: BlobStore;
}

export interface ExportReport {
  rows: Record<CopiedTable, number>;
  blobs: number;
  blobBytes: number;
}

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

/** Rows read and written per page: small enough that a page of inline items stays a few MiB. */
const PAGE = 200;

async function* pages(source: MetadataStores, table: CopiedTable): AsyncGenerator<StoredRow[]> {
  let after: string | number | null = null;
  for (;;) {
    const page = await source.rows.readRows(table, after, PAGE);
    if (page.length === 0) return;
    yield page.map((entry) => entry.row);
    after = page[page.length - 1]?.key ?? null;
  }
}

/**
 * Copies `source` into the empty `target`; refuses a target that holds any data.
 * @example const report = await exportTo({ stores: sqlite, blobs: files }, { stores: pg, blobs: pgBlobs })
 */
export async function exportTo(source: StoreSet, target: StoreSet, onProgress: (what: string) => void = () => undefined, options: { copyBlobs?: boolean } = {}): Promise<ExportReport> {
  // Never merge into a database in use: ids, the CA and the root secret would collide or be replaced.
  const existing = await target.stores.rows.countRows();
  const used = COPIED_TABLES.filter((table) => existing[table] > 0);
  if (used.length > 0) throw new ExportError(`the target database is not empty (${used.map((table) => `${table}: ${existing[table]}`).join(', ')}); export-to writes only into a new database`);

  let blobs = 0;
  let blobBytes = 0;
  for await (const page of options.copyBlobs === false ? [] : pages(source.stores, 'items')) {
    for (const row of page) {
      const blobId = row['blob_id'];
      if (typeof blobId !== 'string') continue;
      blobBytes += await copyBlob(source.blobs, target.blobs, blobId);
      blobs += 1;
    }
    onProgress(`${blobs} blobs copied`);
  }

  const rows = Object.fromEntries(COPIED_TABLES.map((table) => [table, 0])) as Record<CopiedTable, number>;
  await target.stores.rows.writeAll(async (write) => {
    for (const table of COPIED_TABLES) {
      for await (const page of pages(source.stores, table)) {
        await write(table, page);
        rows[table] += page.length;
      }
      onProgress(`${table}: ${rows[table]} rows`);
    }
  });

  const copied = await target.stores.rows.countRows();
  const expected = await source.stores.rows.countRows();
  for (const table of COPIED_TABLES) {
    if (copied[table] !== expected[table]) throw new ExportError(`${table}: ${expected[table]} rows in the source but ${copied[table]} in the target after the copy`);
  }
  return { rows, blobs, blobBytes };
}

/** Streams one encrypted blob across (never whole in memory); returns its size. */
async function copyBlob(from: BlobStore, to: BlobStore, blobId: string): Promise<number> {
  // A blob of an interrupted earlier run is replaced, not appended to or refused.
  await to.remove(blobId);
  const input = await from.read(blobId);
  const writer = await to.create(blobId);
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(input, count, writer.stream);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return bytes;
}
