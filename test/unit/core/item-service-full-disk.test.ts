// ItemService on a full disk, without a real one: the metadata store answers SQLITE_FULL until room is
// made. A removal releases the space reserve and retries, then shreds the item's own blob before its
// row; other errors pass through untouched; a PUT whose row update fails leaves no new blob behind.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ItemService } from '../../../src/core/item-service.js';
import type { ItemRecord, MetadataStore, RemovedItem } from '../../../src/storage/ports.js';
import { testItemService } from '../../helpers/item-service.js';
import { MemoryBlobStore } from '../../helpers/memory-blob-store.js';

const full = (): Error => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

/** A metadata store whose deleteItem fails with SQLITE_FULL while `room()` says there is none. */
function fullDiskStore(room: () => boolean, blobId: string | null) {
  const calls: string[] = [];
  const store = {
    deleteItem: async (id: string): Promise<RemovedItem | null> => {
      calls.push('deleteItem');
      if (!room()) throw full();
      return { id, blobId };
    },
    replaceContent: async () => {
      throw full();
    },
    // The failed update left no row pointing at the new blob.
    hasBlob: async () => false,
  };
  return { calls, metadata: store as unknown as MetadataStore };
}

function service(metadata: MetadataStore, blobs: MemoryBlobStore, reserve?: { release(cause: unknown): Promise<boolean> }): ItemService {
  return testItemService(metadata, blobs, reserve ? { reserve } : {});
}

/** A reserve that makes room once, remembering the error it was released for. */
function reserveFile(onRelease: () => void) {
  const released: unknown[] = [];
  let held = true;
  return {
    released,
    reserve: {
      release: async (cause: unknown) => {
        if (!held) return false;
        held = false;
        released.push(cause);
        onRelease();
        return true;
      },
    },
  };
}

const ID = 'ab'.repeat(16);
const BLOB = 'cd'.repeat(16);

describe('ItemService.remove on a full disk', () => {
  it('releases the space reserve and retries the row delete; the blob is shredded after its row as usual', async () => {
    let room = false;
    const { calls, metadata } = fullDiskStore(() => room, BLOB);
    const blobs = new MemoryBlobStore();
    blobs.put(BLOB, randomBytes(100));
    const { released, reserve } = reserveFile(() => (room = true));
    await service(metadata, blobs, reserve).remove(ID, BLOB);
    expect(calls).toEqual(['deleteItem', 'deleteItem']);
    expect(released).toHaveLength(1);
    expect((released[0] as NodeJS.ErrnoException).code).toBe('SQLITE_FULL');
    expect(blobs.removed).toEqual([BLOB]);
  });

  it('without a reserve, shreds the item\'s blob first to make room, then deletes the row', async () => {
    const blobs = new MemoryBlobStore();
    blobs.put(BLOB, randomBytes(100));
    // Room appears once the blob is gone, as on a real disk.
    const { calls, metadata } = fullDiskStore(() => blobs.get(BLOB) === undefined, BLOB);
    const { released, reserve } = reserveFile(() => undefined);
    await reserve.release(full());
    released.length = 0;
    await service(metadata, blobs, reserve).remove(ID, BLOB);
    expect(calls).toEqual(['deleteItem', 'deleteItem']);
    expect(released).toEqual([]);
    expect(blobs.removed).toEqual([BLOB]);
  });

  it('an inline item on a disk that stays full: the SQLITE_FULL error reaches the caller', async () => {
    const { calls, metadata } = fullDiskStore(() => false, null);
    const { reserve } = reserveFile(() => undefined);
    await expect(service(metadata, new MemoryBlobStore(), reserve).remove(ID, null)).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    // Once as it was, once after the reserve was released; nothing else to free.
    expect(calls).toEqual(['deleteItem', 'deleteItem']);
  });

  it('other errors are thrown at once, nothing released or shredded', async () => {
    const metadata = { deleteItem: async () => Promise.reject(Object.assign(new Error('locked'), { code: 'SQLITE_BUSY' })) } as unknown as MetadataStore;
    const blobs = new MemoryBlobStore();
    blobs.put(BLOB, randomBytes(10));
    const { released, reserve } = reserveFile(() => undefined);
    await expect(service(metadata, blobs, reserve).remove(ID, BLOB)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(released).toEqual([]);
    expect(blobs.removed).toEqual([]);
  });
});

describe('ItemService.update on a full disk', () => {
  it('a row update that fails removes the new blob it had written', async () => {
    const { metadata } = fullDiskStore(() => false, null);
    const blobs = new MemoryBlobStore();
    const item = { id: ID } as ItemRecord;
    await expect(service(metadata, blobs).update(item, { body: Readable.from([randomBytes(300_000)]) })).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    const left: string[] = [];
    for await (const blobId of blobs.list(Number.MAX_SAFE_INTEGER)) left.push(blobId);
    expect(left).toEqual([]);
    expect(blobs.removed).toHaveLength(1);
  });
});
