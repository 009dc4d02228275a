// ItemService when the row insert (a create) or the row update (a PUT of new content) fails after the
// content was stored as a blob: the blob goes, unless a row for it committed anyway (a commit whose
// durability could not be confirmed and which could not be taken back, or a PostgreSQL connection lost
// after COMMIT was sent): that item must stay readable, not point at shredded content.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ItemService } from '../../../src/core/item-service.js';
import { QuotaOverrun } from '../../../src/storage/ports.js';
import type { ItemRecord, MetadataStore } from '../../../src/storage/ports.js';
import { testItemService } from '../../helpers/item-service.js';
import { MemoryBlobStore } from '../../helpers/memory-blob-store.js';

/** A metadata store whose insert fails with `error`; `rowCommitted` says whether the row got in anyway. */
function failingInsert(error: Error, rowCommitted: boolean) {
  const asked: string[] = [];
  let inserted: ItemRecord | null = null;
  const store = {
    insertItem: async (item: ItemRecord) => {
      if (rowCommitted) inserted = item;
      throw error;
    },
    hasBlob: async (blobId: string) => {
      asked.push(blobId);
      return inserted?.blobId === blobId;
    },
  };
  return { asked, metadata: store as unknown as MetadataStore };
}


/** A metadata store whose replaceContent fails with `error`; `rowUpdated` says whether the update got in anyway. */
function failingUpdate(error: Error, rowUpdated: boolean) {
  const asked: string[] = [];
  let pointedAt: string | null = null;
  const store = {
    replaceContent: async (_id: string, content: { blobId: string | null }) => {
      if (rowUpdated) pointedAt = content.blobId;
      throw error;
    },
    hasBlob: async (blobId: string) => {
      asked.push(blobId);
      return pointedAt === blobId;
    },
  };
  return { asked, metadata: store as unknown as MetadataStore };
}

const OLD_BLOB = 'cd'.repeat(16);
/** A stored item whose content lives in OLD_BLOB. */
const existing = { id: 'ab'.repeat(16), blobId: OLD_BLOB, burnAfterRead: false, downloadsRemaining: null } as unknown as ItemRecord;

/** Replaces the item's content with 256 KiB (a blob). */
const update = (items: ItemService) => items.update(existing, { body: Readable.from([randomBytes(256 * 1024)]) });

/** Creates a 256 KiB item (above the inline limit, so its content becomes a blob). */
const create = (items: ItemService) =>
  items.create({ body: Readable.from([randomBytes(256 * 1024)]), claimedType: null, filename: null, expiry: undefined, burnAfterRead: false, kind: 'paste', owner: null, clientGroup: '203.0.113.7' });

const eio = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });

describe('ItemService.create when the row insert fails', () => {
  it('removes the blob when no row refers to it', async () => {
    const blobs = new MemoryBlobStore();
    const { asked, metadata } = failingInsert(eio(), false);
    await expect(create(testItemService(metadata, blobs))).rejects.toMatchObject({ code: 'EIO' });
    expect(asked).toHaveLength(1);
    expect(blobs.removed).toEqual(asked);
    expect(blobs.blobs.size).toBe(0);
  });

  it('keeps the blob of a row that committed anyway, so that item does not fail every read', async () => {
    const blobs = new MemoryBlobStore();
    const { asked, metadata } = failingInsert(eio(), true);
    await expect(create(testItemService(metadata, blobs))).rejects.toMatchObject({ code: 'EIO' });
    expect(blobs.removed).toEqual([]);
    expect([...blobs.blobs.keys()]).toEqual(asked);
  });

  it('removes the blob of a create refused over its quota without asking the store (no row was written)', async () => {
    const blobs = new MemoryBlobStore();
    const { asked, metadata } = failingInsert(new QuotaOverrun('items', 5, 5), false);
    await expect(create(testItemService(metadata, blobs))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(asked).toEqual([]);
    expect(blobs.removed).toHaveLength(1);
    expect(blobs.blobs.size).toBe(0);
  });
});

describe('ItemService.update when the row update fails', () => {
  it('removes the new blob when no row refers to it, and leaves the old content alone', async () => {
    const blobs = new MemoryBlobStore();
    blobs.put(OLD_BLOB, randomBytes(100));
    const { asked, metadata } = failingUpdate(eio(), false);
    await expect(update(testItemService(metadata, blobs))).rejects.toMatchObject({ code: 'EIO' });
    expect(asked).toHaveLength(1);
    expect(blobs.removed).toEqual(asked);
    expect([...blobs.blobs.keys()]).toEqual([OLD_BLOB]);
  });

  it('keeps the new blob of an update that committed anyway (the row points at it), so the item stays readable', async () => {
    const blobs = new MemoryBlobStore();
    blobs.put(OLD_BLOB, randomBytes(100));
    const { asked, metadata } = failingUpdate(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }), true);
    await expect(update(testItemService(metadata, blobs))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(blobs.removed).toEqual([]);
    // The old blob is left to the orphan sweep, which removes it once no row refers to it.
    expect([...blobs.blobs.keys()].sort()).toEqual([OLD_BLOB, ...asked].sort());
  });

  it('keeps the new blob when the store cannot say (the orphan sweep decides later, from the row)', async () => {
    const blobs = new MemoryBlobStore();
    const { metadata } = failingUpdate(eio(), true);
    (metadata as unknown as { hasBlob: () => Promise<boolean> }).hasBlob = async () => {
      throw eio();
    };
    await expect(update(testItemService(metadata, blobs))).rejects.toMatchObject({ code: 'EIO' });
    expect(blobs.removed).toEqual([]);
    expect(blobs.blobs.size).toBe(1);
  });

  it('removes the new blob of an update refused over its quota without asking the store', async () => {
    const blobs = new MemoryBlobStore();
    const { asked, metadata } = failingUpdate(new QuotaOverrun('bytes', 5, 5), false);
    await expect(update(testItemService(metadata, blobs))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(asked).toEqual([]);
    expect(blobs.removed).toHaveLength(1);
    expect(blobs.blobs.size).toBe(0);
  });
});
