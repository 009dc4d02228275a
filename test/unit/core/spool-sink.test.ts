import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SpoolSink } from '../../../src/core/spool-sink.js';
import type { BlobStore, BlobWriter } from '../../../src/storage/ports.js';
import { MemoryBlobStore } from '../../helpers/memory-blob-store.js';
import { pieces, sameBytes } from '../../helpers/streams.js';

const BLOB_ID = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const LIMIT = 4096;

async function listed(store: MemoryBlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of store.list(Number.POSITIVE_INFINITY)) ids.push(id);
  return ids;
}

async function spool(store: BlobStore, data: Buffer, pieceSize = 1000): Promise<SpoolSink> {
  const sink = new SpoolSink(store, BLOB_ID, LIMIT);
  await pipeline(Readable.from(pieces(data, pieceSize)), sink);
  return sink;
}

describe('SpoolSink', () => {
  it('keeps small content inline and touches no blob', async () => {
    const store = new MemoryBlobStore();
    const data = randomBytes(LIMIT - 1);
    const stored = await (await spool(store, data)).commit();
    expect(stored.blobId).toBeNull();
    expect(sameBytes(stored.inline as Buffer, data)).toBe(true);
    expect(await listed(store)).toEqual([]);
    expect(store.pending.size).toBe(0);
  });

  it('keeps content of exactly the limit inline', async () => {
    const store = new MemoryBlobStore();
    const data = randomBytes(LIMIT);
    const stored = await (await spool(store, data, 1)).commit();
    expect(stored.blobId).toBeNull();
    expect(sameBytes(stored.inline as Buffer, data)).toBe(true);
  });

  it('stores empty content inline', async () => {
    const store = new MemoryBlobStore();
    const stored = await (await spool(store, Buffer.alloc(0))).commit();
    expect(stored).toEqual({ blobId: null, inline: Buffer.alloc(0) });
  });

  it('spills content over the limit to the blob store, whole and in order', async () => {
    for (const [size, pieceSize] of [
      [LIMIT + 1, 1000],
      [LIMIT + 1, LIMIT + 1],
      [10 * LIMIT + 7, 333],
      [100_000, 65536],
    ] as const) {
      const store = new MemoryBlobStore();
      const data = randomBytes(size);
      const sink = await spool(store, data, pieceSize);
      expect(store.get(BLOB_ID), 'invisible before commit').toBeUndefined();
      const stored = await sink.commit();
      expect(stored).toEqual({ blobId: BLOB_ID, inline: null });
      expect(sameBytes(store.get(BLOB_ID) as Buffer, data), `${size}/${pieceSize}`).toBe(true);
      expect(await listed(store)).toEqual([BLOB_ID]);
    }
  });

  it('abort removes spilled content', async () => {
    const store = new MemoryBlobStore();
    const sink = await spool(store, randomBytes(3 * LIMIT));
    expect(store.pending.has(BLOB_ID)).toBe(true);
    await sink.abort();
    expect(store.pending.size).toBe(0);
    expect(store.get(BLOB_ID)).toBeUndefined();
    expect(await listed(store)).toEqual([]);
    await sink.abort();
  });

  it('abort discards inline content', async () => {
    const store = new MemoryBlobStore();
    const sink = await spool(store, randomBytes(100));
    await sink.abort();
    expect(await listed(store)).toEqual([]);
    expect(store.pending.size).toBe(0);
  });

  it('abort after a failed upload leaves nothing behind', async () => {
    const store = new MemoryBlobStore();
    const sink = new SpoolSink(store, BLOB_ID, LIMIT);
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(3 * LIMIT);
      throw new Error('client went away');
    }
    await expect(pipeline(Readable.from(failing()), sink)).rejects.toThrow('client went away');
    await sink.abort();
    expect(store.pending.size).toBe(0);
    expect(await listed(store)).toEqual([]);
  });

  it('fails the upload when the blob store cannot create the blob', async () => {
    const store = new MemoryBlobStore();
    const broken: BlobStore = Object.assign(Object.create(store) as MemoryBlobStore, {
      create: async (): Promise<BlobWriter> => {
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    });
    const sink = new SpoolSink(broken, BLOB_ID, LIMIT);
    await expect(pipeline(Readable.from(pieces(randomBytes(2 * LIMIT), 1000)), sink)).rejects.toThrow('no space left');
    await sink.abort();
  });

  it('fails the upload when the blob stream fails', async () => {
    const store = new MemoryBlobStore();
    const broken: BlobStore = Object.assign(Object.create(store) as MemoryBlobStore, {
      create: async (blobId: string): Promise<BlobWriter> => {
        const writer = await store.create(blobId);
        writer.stream.write = () => {
          setImmediate(() => writer.stream.destroy(Object.assign(new Error('i/o error'), { code: 'EIO' })));
          return false;
        };
        return writer;
      },
    });
    const sink = new SpoolSink(broken, BLOB_ID, LIMIT);
    await expect(pipeline(Readable.from(pieces(randomBytes(3 * LIMIT), 1000)), sink)).rejects.toThrow('i/o error');
    await sink.abort();
    expect(store.pending.size).toBe(0);
    expect(await listed(store)).toEqual([]);
  });
});
