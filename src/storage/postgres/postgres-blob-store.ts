// BlobStore in PostgreSQL: the encrypted content as rows of at most CHUNK_BYTES, so instances share
// blobs without a shared filesystem. Written row by row as it streams in, read page by page as the
// client takes it: memory stays flat whatever the size.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import type { BlobStore, BlobWriter, ByteRange } from '../ports.js';

/** Bytes per row: big enough that a 1 GiB blob is 4096 rows, small enough to hold a page of them. */
export const CHUNK_BYTES = 256 * 1024;
/** Rows fetched per query while reading: one page is at most PAGE_ROWS * CHUNK_BYTES in memory. */
export const PAGE_ROWS = 4;

/** The part of a pg Pool this store needs (tests may pass a counting wrapper). */
export interface Queryable {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

function missing(blobId: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`no such blob ${blobId}`), { code: 'ENOENT' });
}

export class PostgresBlobStore implements BlobStore {
  constructor(private readonly pool: Queryable) {}

  async create(blobId: string): Promise<BlobWriter> {
    // Each write has its own id: an aborted or crashed write never collides with a later one of the same blob.
    const writeId = randomBytes(16).toString('hex');
    await this.pool.query('insert into blobs (write_id, blob_id, started_at_ms) values ($1, $2, $3)', [writeId, blobId, Date.now()]);
    let seq = 0;
    let offset = 0;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    // Rows of exactly CHUNK_BYTES (the last one shorter), whatever sizes the producer writes in.
    const flushRow = async (upTo: number): Promise<void> => {
      const all = Buffer.concat(buffered, bufferedBytes);
      const data = all.subarray(0, upTo);
      buffered = upTo < all.length ? [all.subarray(upTo)] : [];
      bufferedBytes = all.length - upTo;
      // The write's last-activity time moves with each row (same statement, same commit): the leftover
      // sweep goes by it, so an upload that takes longer than the sweep's age is never taken mid-way.
      await this.pool.query('with chunk as (insert into blob_chunks (write_id, seq, start_at, data) values ($1, $2, $3, $4)) update blobs set written_at_ms = $5 where write_id = $1', [writeId, seq, offset, data, Date.now()]);
      seq++;
      offset += data.length;
    };
    // The row insert under way, so abort can wait for it before deleting what was written.
    let inFlight: Promise<void> = Promise.resolve();
    const drain = (final: boolean): Promise<void> => {
      inFlight = (async () => {
        while (bufferedBytes >= CHUNK_BYTES) await flushRow(CHUNK_BYTES);
        if (final && bufferedBytes > 0) await flushRow(bufferedBytes);
      })();
      return inFlight;
    };
    const stream = new Writable({
      highWaterMark: CHUNK_BYTES,
      // The callback waits for the row insert: the producer is held back (backpressure), never buffered.
      write(chunk: Buffer, _encoding, callback) {
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        if (bufferedBytes < CHUNK_BYTES) return callback();
        drain(false).then(() => callback(), callback);
      },
      final(callback) {
        drain(true).then(() => callback(), callback);
      },
    });
    let done = false;
    const removeRows = () => this.pool.query('delete from blobs where write_id = $1', [writeId]);
    return {
      stream,
      commit: async () => {
        if (done) throw new Error('blob writer already finished');
        done = true;
        try {
          if (!stream.writableFinished) throw new Error('blob stream was not finished before commit');
          // Every row is already committed by its own insert; this one statement (a committed
          // transaction, synchronous_commit) makes the whole blob visible at once.
          await this.pool.query('update blobs set committed = true, size = $2, written_at_ms = $3 where write_id = $1', [writeId, offset, Date.now()]);
        } catch (error) {
          await removeRows().catch(() => undefined);
          throw error;
        }
      },
      abort: async () => {
        if (done) return;
        done = true;
        stream.destroy();
        // Delete after the last insert settled, so no row of this write is left behind.
        await inFlight.catch(() => undefined);
        await removeRows().catch(() => undefined);
      },
    };
  }

  async read(blobId: string, range?: ByteRange): Promise<Readable> {
    const { rows } = await this.pool.query<{ write_id: string; size: string }>('select write_id, size from blobs where blob_id = $1 and committed', [blobId]);
    const head = rows[0];
    if (!head) throw missing(blobId);
    const size = Number(head.size);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? size - 1, size - 1);
    return pagedReader(this.pool, head.write_id, blobId, start, end);
  }

  async remove(blobId: string): Promise<void> {
    // PostgreSQL cannot overwrite in place: the rows are deleted, the space is reused after VACUUM.
    // What makes the content unrecoverable is its encryption under a per-item key that is deleted
    // with the item (docs/security.md).
    await this.pool.query('delete from blobs where blob_id = $1 and committed', [blobId]);
  }

  async *list(olderThanMs: number): AsyncIterable<string> {
    let after = '';
    for (;;) {
      const { rows } = await this.pool.query<{ blob_id: string }>('select blob_id from blobs where committed and written_at_ms < $1 and blob_id > $2 order by blob_id limit 500', [epochMs(olderThanMs), after]);
      for (const row of rows) yield row.blob_id;
      const last = rows.at(-1);
      if (!last || rows.length < 500) return;
      after = last.blob_id;
    }
  }

  async sweepIncomplete(olderThanMs: number): Promise<number> {
    // Only writes idle since before the cut-off: another instance's upload in progress is left alone.
    const { rowCount } = await this.pool.query('delete from blobs where not committed and coalesce(written_at_ms, started_at_ms) < $1', [epochMs(olderThanMs)]);
    return rowCount ?? 0;
  }

  async ping(): Promise<void> {
    await this.pool.query('select 1 from blobs limit 1');
  }
}

/**
 * The bytes start..end (inclusive) of one write, fetched PAGE_ROWS rows at a time and only when the
 * consumer asks for more (keyset pagination on seq). Rows that vanish mid-read (the blob was removed)
 * end the stream with an error, never with a short body that looks complete.
 */
function pagedReader(pool: Queryable, writeId: string, blobId: string, start: number, end: number): Readable {
  let position = start;
  let nextSeq: number | null = null;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (position > end) {
        this.push(null);
        return;
      }
      const page =
        nextSeq === null
          ? pool.query<{ seq: number; start_at: string; data: Buffer }>('select seq, start_at, data from blob_chunks where write_id = $1 and start_at + octet_length(data) > $2 order by seq limit $3', [writeId, position, PAGE_ROWS])
          : pool.query<{ seq: number; start_at: string; data: Buffer }>('select seq, start_at, data from blob_chunks where write_id = $1 and seq >= $2 order by seq limit $3', [writeId, nextSeq, PAGE_ROWS]);
      page.then(
        ({ rows }) => {
          if (rows.length === 0) {
            this.destroy(Object.assign(new Error(`blob ${blobId} ended before byte ${position}`), { code: 'ENOENT' }));
            return;
          }
          for (const row of rows) {
            const rowStart = Number(row.start_at);
            if (rowStart > position) {
              this.destroy(new Error(`blob ${blobId} has a gap at byte ${position}`));
              return;
            }
            const from = position - rowStart;
            const to = Math.min(row.data.length, end - rowStart + 1);
            if (to > from) {
              this.push(row.data.subarray(from, to));
              position = rowStart + to;
            }
            nextSeq = row.seq + 1;
            if (position > end) {
              this.push(null);
              return;
            }
          }
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
  });
}

/** A cutoff as a bigint parameter: "everything" (Infinity) and fractions become whole milliseconds. */
function epochMs(value: number): number {
  if (Number.isNaN(value)) throw new RangeError('cutoff must be a number of epoch milliseconds');
  return Number.isFinite(value) ? Math.floor(value) : value > 0 ? Number.MAX_SAFE_INTEGER : 0;
}
