// The filesystem BlobStore judges the age of leftovers by file modification time (issue 13: a sweep
// must never take another instance's upload in progress or a blob whose row is not inserted yet).
// Old files are made by setting mtimes back, as a crash an hour ago would have left them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../../src/storage/fs/fs-blob-store.js';

const HOUR_MS = 3_600_000;
const id = () => randomBytes(16).toString('hex');

let dir: string;
let store: FsBlobStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sealbin-fs-age-'));
  store = new FsBlobStore(join(dir, 'blobs'), 1);
  await store.init();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const partFiles = () => readdirSync(join(dir, 'blobs', 'tmp'));
/** Sets a file's modification time `ms` into the past. */
const age = (path: string, ms: number) => utimesSync(path, new Date(Date.now() - ms), new Date(Date.now() - ms));

async function startWrite(blobId: string) {
  const writer = await store.create(blobId);
  await new Promise<void>((resolve) => writer.stream.write(randomBytes(4096), () => resolve()));
  const part = partFiles().find((name) => name.startsWith(blobId));
  if (!part) throw new Error('no .part file for the write');
  return { writer, path: join(dir, 'blobs', 'tmp', part) };
}

async function commit(blobId: string): Promise<string> {
  const writer = await store.create(blobId);
  await pipeline(Readable.from([randomBytes(4096)]), writer.stream);
  await writer.commit();
  return join(dir, 'blobs', blobId.slice(0, 2), blobId);
}

async function listed(olderThanMs: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const blobId of store.list(olderThanMs)) ids.push(blobId);
  return ids.sort();
}

describe('FsBlobStore leftovers by age', () => {
  it('sweepIncomplete removes a .part untouched for two hours and keeps one written just now', async () => {
    const crashed = await startWrite(id());
    const inFlight = await startWrite(id());
    age(crashed.path, 2 * HOUR_MS);
    expect(await store.sweepIncomplete(Date.now() - HOUR_MS)).toBe(1);
    expect(partFiles()).toEqual([inFlight.path.split('/').at(-1)]);
    await crashed.writer.abort();
    await inFlight.writer.abort();
  });

  it('sweepIncomplete goes by the last write, not the start: a long upload that still writes is kept', async () => {
    const blobId = id();
    const long = await startWrite(blobId);
    age(long.path, 2 * HOUR_MS);
    // The upload goes on: its next write makes the file fresh again, and it commits normally.
    await new Promise<void>((resolve) => long.writer.stream.write(randomBytes(4096), () => resolve()));
    expect(await store.sweepIncomplete(Date.now() - HOUR_MS)).toBe(0);
    await new Promise<void>((resolve) => long.writer.stream.end(resolve));
    await long.writer.commit();
    expect(await listed(Number.POSITIVE_INFINITY)).toEqual([blobId]);
  });

  it('list yields a committed blob last written two hours ago, not one committed just now', async () => {
    const oldId = id();
    age(await commit(oldId), 2 * HOUR_MS);
    await commit(id());
    expect(await listed(Date.now() - HOUR_MS)).toEqual([oldId]);
  });

  it('two instances sweeping one shared store at once remove each old .part once, and count it once', async () => {
    const other = new FsBlobStore(join(dir, 'blobs'), 1);
    const writes = await Promise.all(Array.from({ length: 20 }, () => startWrite(id())));
    for (const write of writes) age(write.path, 2 * HOUR_MS);
    const counts = await Promise.all([store.sweepIncomplete(Date.now() - HOUR_MS), other.sweepIncomplete(Date.now() - HOUR_MS)]);
    expect(counts[0] + counts[1]).toBe(20);
    expect(partFiles()).toEqual([]);
    for (const write of writes) await write.writer.abort();
  });
});
