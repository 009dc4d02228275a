// exportTo over the ports (SQLite stores and in-memory blob stores on both sides): an interrupted copy
// leaves the target's tables empty, so running it again completes it; a used target is refused before
// anything is written; blobs arrive byte-identical, replacing leftovers of the interrupted run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportError, exportTo } from '../../../src/ops/export-to.js';
import type { MetadataStores, RowCopyStore } from '../../../src/storage/ports.js';
import { openSqliteStores } from '../../../src/storage/sqlite/sqlite-stores.js';
import { MemoryBlobStore } from '../../helpers/memory-blob-store.js';
import { ca, cert, item, link } from '../../storage/records.js';

let dir: string;
let source: MetadataStores;
let target: MetadataStores;
let sourceBlobs: MemoryBlobStore;
let targetBlobs: MemoryBlobStore;
const contents = new Map<string, Buffer>();

async function putBlob(blobs: MemoryBlobStore, id: string, data: Buffer): Promise<void> {
  const writer = await blobs.create(id);
  await new Promise<void>((resolve, reject) => Readable.from([data]).pipe(writer.stream).on('finish', resolve).on('error', reject));
  await writer.commit();
}

async function readBlob(blobs: MemoryBlobStore, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.read(id)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sealbin-export-'));
  source = await openSqliteStores(join(dir, 'source.db'));
  target = await openSqliteStores(join(dir, 'target.db'));
  sourceBlobs = new MemoryBlobStore();
  targetBlobs = new MemoryBlobStore();
  contents.clear();
  for (let n = 0; n < 12; n += 1) {
    const blobId = n % 3 === 0 ? `blob-${n}` : null;
    const record = item({ blobId, inline: blobId ? null : randomBytes(30), burnAfterRead: n === 4 });
    if (blobId) {
      const data = randomBytes(10_000 + n);
      contents.set(blobId, data);
      await putBlob(sourceBlobs, blobId, data);
    }
    await source.metadata.insertItem(record);
  }
  await source.pki.createCa(ca());
  await source.pki.insertCert(cert());
  await source.links.insertLink(link());
  await source.metadata.setSetting('root_secret', 'sealed-root');
  await source.audit.appendAudit({ event: 'ca_created', actor: 'loopback', request_id: 'r', time: 1 });
});

afterEach(async () => {
  await source.metadata.close();
  await target.metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The target's row store, failing once `failAfter` tables have been written. */
function failingRows(rows: RowCopyStore, failAfter: number): RowCopyStore {
  return {
    readRows: (...args) => rows.readRows(...args),
    countRows: () => rows.countRows(),
    writeAll: (work) =>
      rows.writeAll(async (write) => {
        let tables = 0;
        await work(async (table, batch) => {
          if (tables++ >= failAfter) throw new Error('connection lost');
          await write(table, batch);
        });
      }),
  };
}

describe('exportTo', () => {
  it('copies every row and blob; the counts match and blobs are byte-identical', async () => {
    const report = await exportTo({ stores: source, blobs: sourceBlobs }, { stores: target, blobs: targetBlobs });
    expect(report.rows).toMatchObject({ items: 12, pki_ca: 1, pki_certs: 1, short_links: 1, pki_audit: 1 });
    expect(report.blobs).toBe(4);
    expect(await target.rows.countRows()).toEqual(await source.rows.countRows());
    for (const [id, data] of contents) expect((await readBlob(targetBlobs, id)).equals(data)).toBe(true);
    expect(report.blobBytes).toBe([...contents.values()].reduce((sum, data) => sum + data.length, 0));
    expect(await target.metadata.getSetting('root_secret')).toBe('sealed-root');
  });

  it('an interrupted copy leaves the target tables empty; running it again completes it', async () => {
    await expect(exportTo({ stores: source, blobs: sourceBlobs }, { stores: { ...target, rows: failingRows(target.rows, 3) }, blobs: targetBlobs })).rejects.toThrow('connection lost');
    expect(Object.values(await target.rows.countRows()).every((n) => n === 0)).toBe(true);
    // A leftover blob of the interrupted run (say, cut short) is replaced, not kept.
    await targetBlobs.remove('blob-0');
    await putBlob(targetBlobs, 'blob-0', Buffer.from('truncated'));
    const report = await exportTo({ stores: source, blobs: sourceBlobs }, { stores: target, blobs: targetBlobs });
    expect(report.rows.items).toBe(12);
    expect((await readBlob(targetBlobs, 'blob-0')).equals(contents.get('blob-0') as Buffer)).toBe(true);
  });

  it('refuses a target that holds data, before writing anything', async () => {
    await target.links.insertLink(link());
    await expect(exportTo({ stores: source, blobs: sourceBlobs }, { stores: target, blobs: targetBlobs })).rejects.toThrow(ExportError);
    await expect(exportTo({ stores: source, blobs: sourceBlobs }, { stores: target, blobs: targetBlobs })).rejects.toThrow(/not empty \(short_links: 1\)/);
    expect((await target.rows.countRows()).items).toBe(0);
    expect(await targetBlobs.list(Number.MAX_SAFE_INTEGER)[Symbol.asyncIterator]().next()).toMatchObject({ done: true });
  });
});
