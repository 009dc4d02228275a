// PartialStore in PostgreSQL: a `tus_uploads` row per upload (its state) and a `tus_segments` row per
// sealed segment, keyed by its byte position in the log, so any instance can resume any upload. The
// store sees only ciphertext; one writer at a time is the UploadLocker's job, and the primary key
// refuses a second writer that thinks it is at the same end (a lock lost to a dropped connection).
import type { PartialLog, PartialStore } from '../ports.js';
import type { Queryable } from './postgres-blob-store.js';

/** Rows written are held back until this many bytes (or a sync), then go in one insert and one commit. */
export const FLUSH_BYTES = 1024 * 1024;
/**
 * Leading bytes of each row kept when a log is opened: the reader walks the segment heads to find
 * the end of the log (src/crypto/upload-segment.ts), which then costs one query, not one per segment.
 */
export const HEAD_BYTES = 16;

interface Row {
  at: number;
  size: number;
  head: Buffer;
}

function unknown(id: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`no such partial upload ${id}`), { code: 'ENOENT' });
}

export class PostgresPartialStore implements PartialStore {
  readonly shared = true;

  constructor(private readonly pool: Queryable) {}

  async create(id: string, state: string): Promise<void> {
    await this.pool.query('insert into tus_uploads (id, state, created_at_ms) values ($1, $2, $3)', [id, state, Date.now()]);
  }

  async readState(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ state: string }>('select state from tus_uploads where id = $1', [id]);
    return rows[0]?.state ?? null;
  }

  async writeState(id: string, state: string): Promise<void> {
    const { rowCount } = await this.pool.query('update tus_uploads set state = $2 where id = $1', [id, state]);
    if (rowCount === 0) throw unknown(id);
  }

  async openLog(id: string): Promise<PartialLog> {
    // Waits for a previous holder's segment insert still in flight (its foreign key check holds a KEY
    // SHARE lock on this row until it commits): an instance killed mid-PATCH loses its upload lock with
    // its connection, possibly while another of its connections is still committing segments, and
    // without this wait the new holder would read an end the log is about to move past (seen as a 409
    // OFFSET_MISMATCH on the next PATCH). FOR UPDATE conflicts with KEY SHARE; the lock ends with the statement.
    const { rowCount } = await this.pool.query('select 1 from tus_uploads where id = $1 for update', [id]);
    if (!rowCount) throw unknown(id);
    const { rows } = await this.pool.query<{ at: string; size: number; head: Buffer }>(`select at, octet_length(data) as size, substring(data from 1 for ${HEAD_BYTES}) as head from tus_segments where upload_id = $1 order by at`, [id]);
    return new PostgresPartialLog(this.pool, id, rows.map((row) => ({ at: Number(row.at), size: row.size, head: row.head })));
  }

  async remove(id: string): Promise<void> {
    // PostgreSQL cannot overwrite in place: the rows go (segments by cascade, in the same commit) and
    // their space is reused after VACUUM. What makes them unreadable is that the upload's key, wrapped
    // in the state, goes in that same statement (as for blobs; docs/security.md).
    await this.pool.query('delete from tus_uploads where id = $1', [id]);
  }

  async *list(): AsyncIterable<string> {
    let after = '';
    for (;;) {
      const { rows } = await this.pool.query<{ id: string }>('select id from tus_uploads where id > $1 order by id limit 500', [after]);
      for (const row of rows) yield row.id;
      const last = rows.at(-1);
      if (!last || rows.length < 500) return;
      after = last.id;
    }
  }
}

/**
 * One open log. The rows it knows of are read once at open and kept up to date by its own writes:
 * the UploadLocker keeps every other writer out while it is open.
 */
class PostgresPartialLog implements PartialLog {
  private pending: { at: number; data: Buffer }[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly pool: Queryable,
    private readonly id: string,
    private readonly rows: Row[],
  ) {}

  private end(): number {
    const last = this.pending.at(-1) ?? this.rows.at(-1);
    if (!last) return 0;
    return last.at + ('data' in last ? last.data.length : last.size);
  }

  async size(): Promise<number> {
    return this.end();
  }

  async read(position: number, length: number): Promise<Buffer> {
    await this.flush();
    const stop = position + length;
    const first = this.rowAt(position);
    if (first === undefined) return Buffer.alloc(0);
    const row = this.rows[first] as Row;
    if (stop <= row.at + row.head.length) return row.head.subarray(position - row.at, stop - row.at);
    const { rows } = await this.pool.query<{ at: string; data: Buffer }>(
      'select at, substring(data from greatest($2::bigint - at, 0)::int + 1 for (least($3::bigint - at, octet_length(data)) - greatest($2::bigint - at, 0))::int) as data from tus_segments where upload_id = $1 and at >= $4 and at < $3 order by at',
      [this.id, position, stop, row.at],
    );
    const parts: Buffer[] = [];
    let next = position;
    for (const found of rows) {
      const at = Number(found.at);
      // A gap (never written by this store, but the reader must not get bytes from past it).
      if (Math.max(at, position) !== next) break;
      parts.push(found.data);
      next += found.data.length;
    }
    return Buffer.concat(parts);
  }

  async write(data: Buffer, position: number): Promise<void> {
    if (data.length === 0) return;
    // The log only grows at its end (the reader cuts a tail with truncate first).
    if (position !== this.end()) throw new Error(`partial upload ${this.id}: write at ${position}, but the log ends at ${this.end()}`);
    this.pending.push({ at: position, data: Buffer.from(data) });
    this.pendingBytes += data.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  async sync(): Promise<void> {
    await this.flush();
  }

  async truncate(size: number): Promise<void> {
    await this.flush();
    await this.pool.query('delete from tus_segments where upload_id = $1 and at >= $2', [this.id, size]);
    const cut = this.rowAt(size);
    if (cut !== undefined && (this.rows[cut] as Row).at < size) {
      const row = this.rows[cut] as Row;
      await this.pool.query('update tus_segments set data = substring(data from 1 for $3) where upload_id = $1 and at = $2', [this.id, row.at, size - row.at]);
      this.rows.splice(cut + 1);
      row.size = size - row.at;
      row.head = row.head.subarray(0, Math.min(row.head.length, row.size));
    } else {
      const keep = this.rows.findIndex((row) => row.at >= size);
      if (keep >= 0) this.rows.splice(keep);
    }
  }

  async close(): Promise<void> {
    // Like a crash: what was written and not synced may be lost (the reader syncs before it answers).
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Index of the row holding byte `position`, if any. */
  private rowAt(position: number): number | undefined {
    let low = 0;
    let high = this.rows.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const row = this.rows[middle] as Row;
      if (position < row.at) high = middle - 1;
      else if (position >= row.at + row.size) low = middle + 1;
      else return middle;
    }
    return undefined;
  }

  /** Writes the held-back rows in one statement: one commit (synchronous_commit) makes them durable. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    const values: unknown[] = [this.id];
    const tuples = rows.map((row, index) => {
      values.push(row.at, row.data);
      return `($1, $${index * 2 + 2}, $${index * 2 + 3})`;
    });
    // Cleared first: a failed insert wrote nothing, and the caller learns of it from this rejection.
    this.pending = [];
    this.pendingBytes = 0;
    await this.pool.query(`insert into tus_segments (upload_id, at, data) values ${tuples.join(', ')}`, values);
    for (const row of rows) this.rows.push({ at: row.at, size: row.data.length, head: row.data.subarray(0, HEAD_BYTES) });
  }
}
