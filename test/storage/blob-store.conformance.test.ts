// One suite, every BlobStore adapter.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { beforeEach, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/ports.js';
import { blobAdapters, conformance } from './adapters.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Committed blobs last written before `olderThanMs` (default: any time, i.e. every committed blob). */
async function list(store: BlobStore, olderThanMs = Number.POSITIVE_INFINITY): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of store.list(olderThanMs)) ids.push(id);
  return ids.sort();
}

/** Far enough from now for any timestamp granularity and clock step of a store (seconds on some filesystems). */
const MARGIN_MS = 60_000;

const id = () => randomBytes(16).toString('hex');

conformance('BlobStore', blobAdapters, (current) => {
  let store: BlobStore;
  beforeEach(() => {
    store = current();
  });

  it('writes, commits and reads back whole and by range', async () => {
    const data = randomBytes(300_000);
    const blobId = id();
    const writer = await store.create(blobId);
    await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), writer.stream);
    await writer.commit();
    expect((await readAll(await store.read(blobId))).equals(data)).toBe(true);
    expect((await readAll(await store.read(blobId, { start: 70_000, end: 70_009 }))).equals(data.subarray(70_000, 70_010))).toBe(true);
    expect(await list(store)).toEqual([blobId]);
  });

  it('keeps uncommitted and aborted writes invisible', async () => {
    const blobId = id();
    const writer = await store.create(blobId);
    writer.stream.write(randomBytes(1000));
    await expect(store.read(blobId)).rejects.toMatchObject({ code: 'ENOENT' });
    await writer.abort();
    expect(await list(store)).toEqual([]);
  });

  it('sweepIncomplete: removes leftovers of writes that never committed once older than the cutoff, never a fresh one', async () => {
    const writer = await store.create(id());
    await new Promise<void>((resolve) => writer.stream.write(randomBytes(1000), () => resolve()));
    // Written moments ago: it may be another instance's upload in progress.
    expect(await store.sweepIncomplete(Date.now() - MARGIN_MS)).toBe(0);
    expect(await store.sweepIncomplete(Date.now() + MARGIN_MS)).toBe(1);
    expect(await store.sweepIncomplete(Date.now() + MARGIN_MS)).toBe(0);
    expect(await list(store)).toEqual([]);
    await writer.abort();
  });

  it('list: yields only committed blobs last written before the cutoff', async () => {
    const before = Date.now();
    const blobId = id();
    const writer = await store.create(blobId);
    await pipeline(Readable.from([randomBytes(2000)]), writer.stream);
    await writer.commit();
    const after = Date.now();
    expect(await list(store, before - MARGIN_MS)).toEqual([]);
    expect(await list(store, after + MARGIN_MS)).toEqual([blobId]);
  });

  it('read: a blob that never existed rejects with ENOENT', async () => {
    await expect(store.read(id())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('abort: safe twice, and after abort the id can be written afresh', async () => {
    const blobId = id();
    const first = await store.create(blobId);
    first.stream.write(randomBytes(100));
    await first.abort();
    await first.abort();
    const second = await store.create(blobId);
    await pipeline(Readable.from([Buffer.from('again')]), second.stream);
    await second.commit();
    expect((await readAll(await store.read(blobId))).toString()).toBe('again');
  });

  it('sweepIncomplete: nothing to sweep is 0, and committed blobs are left alone', async () => {
    const blobId = id();
    const writer = await store.create(blobId);
    await pipeline(Readable.from([randomBytes(2000)]), writer.stream);
    await writer.commit();
    expect(await store.sweepIncomplete(Date.now() + MARGIN_MS)).toBe(0);
    expect(await list(store)).toEqual([blobId]);
  });

  it('removes (shreds) idempotently', async () => {
    const blobId = id();
    const writer = await store.create(blobId);
    await pipeline(Readable.from([randomBytes(5000)]), writer.stream);
    await writer.commit();
    await store.remove(blobId);
    await store.remove(blobId);
    await store.remove(id());
    await expect(store.read(blobId)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await list(store)).toEqual([]);
    await store.ping();
  });
});
