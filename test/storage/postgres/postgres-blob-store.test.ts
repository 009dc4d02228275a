// PostgreSQL blob rows: what only this adapter does (age cut-offs, paged reads, bounded writes).
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_BYTES, PAGE_ROWS, PostgresBlobStore } from '../../../src/storage/postgres/postgres-blob-store.js';
import type { Queryable } from '../../../src/storage/postgres/postgres-blob-store.js';
import { createPool, openPostgresStores } from '../../../src/storage/postgres/postgres-stores.js';
import type { MetadataStores } from '../../../src/storage/ports.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { sleep, waitFor } from '../../helpers/wait.js';

const url = testDatabaseUrl();
const id = () => randomBytes(16).toString('hex');

/** Counts what goes through the pool: chunk rows fetched (total, per query), the largest binary parameter. */
function counting(pool: pg.Pool) {
  const seen = { queries: 0, rowsFetched: 0, maxRows: 0, maxParamBytes: 0 };
  const wrapped: Queryable = {
    query: async <R extends object>(text: string, values?: unknown[]) => {
      seen.queries++;
      for (const value of values ?? []) if (Buffer.isBuffer(value)) seen.maxParamBytes = Math.max(seen.maxParamBytes, value.length);
      const result = await pool.query(text, values);
      if (text.includes('from blob_chunks')) {
        seen.rowsFetched += result.rows.length;
        seen.maxRows = Math.max(seen.maxRows, result.rows.length);
      }
      return result as unknown as { rows: R[]; rowCount: number | null };
    },
  };
  return { wrapped, seen };
}

async function store(blobs: PostgresBlobStore, blobId: string, data: Buffer, piece = 64 * 1024): Promise<void> {
  const writer = await blobs.create(blobId);
  const pieces = function* () {
    for (let at = 0; at < data.length; at += piece) yield data.subarray(at, at + piece);
  };
  await pipeline(Readable.from(pieces()), writer.stream);
  await writer.commit();
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe.skipIf(!url)('PostgresBlobStore', () => {
  let schema: TestSchema;
  let pool: pg.Pool;
  let stores: MetadataStores;
  beforeEach(async () => {
    schema = await createTestSchema(url as string);
    pool = createPool(url as string, () => undefined, { options: schema.options, max: 4 });
    stores = await openPostgresStores(pool);
  });
  afterEach(async () => {
    await stores.metadata.close();
    await schema.drop();
  });

  it('list and sweepIncomplete act only on what is older than the cut-off (another instance may be writing)', async () => {
    const blobs = new PostgresBlobStore(pool);
    const old = id();
    await store(blobs, old, randomBytes(1000));
    const oldPending = await blobs.create(id());
    await new Promise<void>((resolve) => oldPending.stream.write(randomBytes(10), () => resolve()));
    const cutoff = Date.now() + 1;
    await waitFor(() => Date.now() > cutoff, 'the cut-off to pass');
    const young = id();
    await store(blobs, young, randomBytes(1000));
    const youngPending = await blobs.create(id());
    const listed: string[] = [];
    for await (const blobId of blobs.list(cutoff)) listed.push(blobId);
    expect(listed).toEqual([old]);
    expect(await blobs.sweepIncomplete(cutoff)).toBe(1);
    // The young write is untouched: it still commits and reads back.
    await pipeline(Readable.from([Buffer.from('still here')]), youngPending.stream);
    await youngPending.commit();
    const all: string[] = [];
    for await (const blobId of blobs.list(Date.now() + 1000)) all.push(blobId);
    expect(all.length).toBe(3);
  });

  it('writes rows of at most CHUNK_BYTES while streaming in, and reads any byte range across row boundaries', async () => {
    const { wrapped, seen } = counting(pool);
    const blobs = new PostgresBlobStore(wrapped);
    const data = randomBytes(3 * CHUNK_BYTES + 12_345);
    const blobId = id();
    await store(blobs, blobId, data, 100_000);
    expect(seen.maxParamBytes).toBe(CHUNK_BYTES);
    const { rows } = await pool.query<{ n: string }>('select count(*) as n from blob_chunks');
    expect(Number(rows[0]?.n)).toBe(4);
    expect((await readAll(await blobs.read(blobId))).equals(data)).toBe(true);
    for (const [start, end] of [[0, 0], [CHUNK_BYTES - 1, CHUNK_BYTES], [CHUNK_BYTES, CHUNK_BYTES], [10, 3 * CHUNK_BYTES + 5], [data.length - 1, data.length - 1], [5, data.length + 100]] as const) {
      expect((await readAll(await blobs.read(blobId, { start, end }))).equals(data.subarray(start, end + 1))).toBe(true);
    }
  });

  it('reads a 64 MiB blob page by page: a paused reader holds at most a few pages, whatever the size', async () => {
    const blobs = new PostgresBlobStore(pool);
    const data = randomBytes(64 * 1024 * 1024);
    const blobId = id();
    await store(blobs, blobId, data, 256 * 1024);
    const { wrapped, seen } = counting(pool);
    const stream = await new PostgresBlobStore(wrapped).read(blobId);
    const first = await new Promise<Buffer>((resolve) => stream.once('data', (chunk: Buffer) => (stream.pause(), resolve(chunk))));
    expect(first.length).toBeGreaterThan(0);
    // Give a reader that ignored backpressure every chance to run ahead, then count what it fetched.
    await sleep(500);
    expect(seen.maxRows).toBeLessThanOrEqual(PAGE_ROWS);
    expect(seen.rowsFetched).toBeLessThanOrEqual(3 * PAGE_ROWS);
    const hash = createHash('sha256').update(first);
    stream.resume();
    for await (const chunk of stream) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(seen.maxRows).toBeLessThanOrEqual(PAGE_ROWS);
    expect(seen.rowsFetched).toBe(256);
  });

  it('a blob removed while it is being read ends the stream with an error, never a short clean body', async () => {
    const blobs = new PostgresBlobStore(pool);
    const blobId = id();
    await store(blobs, blobId, randomBytes(20 * CHUNK_BYTES));
    const stream = await blobs.read(blobId);
    await new Promise<void>((resolve) => stream.once('data', () => (stream.pause(), resolve())));
    await blobs.remove(blobId);
    stream.resume();
    await expect(readAll(stream)).rejects.toThrow(/ended before byte/);
    await expect(blobs.read(blobId)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('abort while a row insert is in flight leaves no rows behind', async () => {
    const blobs = new PostgresBlobStore(pool);
    const writer = await blobs.create(id());
    writer.stream.write(randomBytes(CHUNK_BYTES + 10));
    await writer.abort();
    const { rows } = await pool.query<{ blobs: string; chunks: string }>('select (select count(*) from blobs) as blobs, (select count(*) from blob_chunks) as chunks');
    expect(rows[0]).toEqual({ blobs: '0', chunks: '0' });
  });
});

describe.skipIf(url)('PostgresBlobStore', () => {
  it.skip(`skipped: ${NO_DATABASE}`, () => undefined);
});
