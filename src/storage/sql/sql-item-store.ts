// The MetadataStore port over Kysely (items and settings): the same queries serve SQLite and PostgreSQL.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { QuotaOverrun } from '../ports.js';
import type { ContentUpdate, ItemQuery, ItemRecord, MetadataStore, MetadataUpdate, QuotaClaim, QuotaUsage, RemovedItem } from '../ports.js';
import type { SqlDialect } from './migrations.js';
import type { Database, ItemsTable } from './schema.js';

/**
 * The first key of PostgreSQL's two-key advisory locks for quota keys (ASCII "SBqt"): the pair space
 * does not overlap the one-bigint space the migration lock uses, and the class keeps other users of
 * pair locks apart.
 */
const QUOTA_LOCK_CLASS = 0x53427174;

/** The second key: 32 bits of a hash of the quota key (two keys sharing one lock only queue together). */
function quotaLockId(key: string): number {
  return createHash('sha256').update(key).digest().readInt32BE(0);
}

/** Whether the claim limits anything (a claim of 0 and 0 only stores the key). */
function limiting(quota: QuotaClaim | undefined): quota is QuotaClaim {
  return quota !== undefined && (quota.maxBytes > 0 || quota.maxItems > 0);
}

function checkedQuota(usage: QuotaUsage, quota: QuotaClaim, size: number): void {
  if (quota.maxItems > 0 && usage.items + 1 > quota.maxItems) throw new QuotaOverrun('items', usage.items, quota.maxItems);
  if (quota.maxBytes > 0 && usage.bytes + size > quota.maxBytes) throw new QuotaOverrun('bytes', usage.bytes, quota.maxBytes);
}

/** A batch that committed but whose WAL sync failed: `cause` is the sync's error. */
class UnsyncedCommit extends Error {
  constructor(override readonly cause: unknown) {
    super('the commit could not be made durable');
  }
}

interface PendingInsert {
  item: ItemRecord;
  quota: QuotaClaim | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Items per download-count statement (2 bound parameters each; SQLite allows 32766, PostgreSQL 65535). */
const DOWNLOAD_SLICE = 1000;

function toRecord(row: Selectable<ItemsTable>): ItemRecord {
  return {
    id: row.id,
    kind: row.kind === 'file' ? 'file' : 'paste',
    keyHash: row.key_hash,
    owner: row.owner,
    deleteTokenHash: row.delete_token_hash,
    size: Number(row.size),
    mimeType: row.mime_type,
    filename: row.filename,
    sha256: row.sha256,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    burnAfterRead: Number(row.burn_after_read) === 1,
    burnedAt: row.burned_at === null ? null : Number(row.burned_at),
    downloads: Number(row.downloads),
    downloadsRemaining: row.downloads_remaining === null ? null : Number(row.downloads_remaining),
    wrappedKey: Buffer.from(row.wrapped_key),
    blobId: row.blob_id,
    inline: row.inline_data === null ? null : Buffer.from(row.inline_data),
  };
}

/**
 * Items and settings in one SQL database. The connection is shared with the other SQL stores of
 * the same database (see sql-stores.ts): `close()` closes it for all of them.
 */
export class SqlItemStore implements MetadataStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect = 'sqlite',
    /** SQLite: makes the WAL durable off the event loop after a batch committed without syncing (sqlite/wal-sync.ts). */
    private readonly walSync?: { sync(): Promise<void> },
  ) {}

  private pendingInserts: PendingInsert[] = [];

  /**
   * Group commit: inserts that arrive while the event loop is busy are committed together, one
   * transaction (and one fsync) for the lot, and each caller resolves only after that commit. A
   * failing batch is retried row by row, so one bad row fails only its own request. Quota checks
   * run inside that transaction, row by row, so each sees the rows inserted before it; a row over
   * its quota is left out and its caller alone is refused.
   */
  insertItem(item: ItemRecord, quota?: QuotaClaim): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingInserts.push({ item, quota, resolve, reject });
      if (this.pendingInserts.length === 1) setImmediate(() => void this.flushInserts());
    });
  }

  private async flushInserts(): Promise<void> {
    const batch = this.pendingInserts;
    this.pendingInserts = [];
    let refusals: (QuotaOverrun | null)[];
    try {
      refusals = await this.commitBatch(batch);
    } catch (error) {
      if (error instanceof UnsyncedCommit) {
        // Committed but not known to be durable: no 201 may promise it (no retry either: the rows exist).
        // The rows are taken back, so no item lives that nobody was told of (unreadable once its blob is
        // gone, counted against its creator's quota until it expires). Should that delete fail too (its
        // commit syncs, on the same failing disk), the rows stay and ItemService keeps their blobs.
        await this.db
          .deleteFrom('items')
          .where('id', 'in', batch.map((entry) => entry.item.id))
          .execute()
          .catch(() => undefined);
        for (const entry of batch) entry.reject(error.cause);
        return;
      }
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const entry of batch) await this.commitBatch([entry]).then(([refusal]) => (refusal ? entry.reject(refusal) : entry.resolve()), (error: unknown) => entry.reject(error instanceof UnsyncedCommit ? error.cause : error));
      return;
    }
    batch.forEach((entry, at) => {
      const refusal = refusals[at];
      if (refusal) entry.reject(refusal);
      else entry.resolve();
    });
  }

  /** One transaction for `batch`: each row inserted, or (over its quota) left out with the reason. */
  private async commitBatch(batch: readonly PendingInsert[]): Promise<(QuotaOverrun | null)[]> {
    const checked = batch.some((entry) => limiting(entry.quota));
    // By hand rather than db.transaction(): SQLite ends the transaction itself when COMMIT fails
    // (SQLITE_FULL), and Kysely's ROLLBACK that then fails would replace the error that says why.
    const walSync = this.dialect === 'sqlite' ? this.walSync : undefined;
    const refusals = await this.db.connection().execute(async (conn) => {
      // The fsync moves out of COMMIT (see wal-sync.ts); every other write keeps synchronous = FULL.
      if (walSync) await sql`pragma synchronous = normal`.execute(conn);
      try {
        return await this.insertBatch(conn, batch, checked);
      } finally {
        if (walSync) await sql`pragma synchronous = full`.execute(conn);
      }
    });
    if (walSync) await walSync.sync().catch((error: unknown) => Promise.reject(new UnsyncedCommit(error)));
    return refusals;
  }

  private async insertBatch(conn: Kysely<Database>, batch: readonly PendingInsert[], checked: boolean): Promise<(QuotaOverrun | null)[]> {
    // Quota race: SQLite's write lock is taken at BEGIN IMMEDIATE, before the usage is read, so no
    // other writer (another process on the file) can insert between the check and the insert.
    await (checked && this.dialect === 'sqlite' ? sql`begin immediate` : sql`begin`).execute(conn);
    try {
      if (checked && this.dialect === 'postgres') await this.lockQuotaKeys(conn, batch);
      const refusals: (QuotaOverrun | null)[] = [];
      for (const { item, quota } of batch) {
        const refusal = limiting(quota) ? await this.overrun(conn, item, quota) : null;
        if (!refusal) await this.insertRow(conn, item, quota?.key ?? null);
        refusals.push(refusal);
      }
      await sql`commit`.execute(conn);
      return refusals;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Quota race across instances: every instance inserting under a quota key takes this transaction
   * lock on it before summing, so two creates of one client on two instances cannot both pass a
   * check that only one of them fits. Locks are taken in one order (by id), so batches never deadlock.
   */
  private async lockQuotaKeys(conn: Kysely<Database>, batch: readonly PendingInsert[]): Promise<void> {
    const ids = [...new Set(batch.flatMap((entry) => (limiting(entry.quota) ? [quotaLockId(entry.quota.key)] : [])))].sort((a, b) => a - b);
    for (const id of ids) await sql`select pg_advisory_xact_lock(${QUOTA_LOCK_CLASS}::int4, ${id}::int4)`.execute(conn);
  }

  /** The refusal for storing `item` under `quota`, or null when it fits. */
  private async overrun(conn: Kysely<Database>, item: ItemRecord, quota: QuotaClaim): Promise<QuotaOverrun | null> {
    try {
      checkedQuota(await this.usage(conn, quota.key, quota.now), quota, item.size);
      return null;
    } catch (error) {
      if (error instanceof QuotaOverrun) return error;
      throw error;
    }
  }

  private async usage(db: Kysely<Database>, key: string, now: number): Promise<QuotaUsage> {
    // Live only: an expired item not swept yet, a burned one and a deleted one hold no quota.
    const { rows } = await sql<{ items: number | string; bytes: number | string | null }>`select count(*) as items, sum(size) as bytes from items where quota_key = ${key} and burned_at is null and (expires_at is null or expires_at > ${now})`.execute(db);
    return { items: Number(rows[0]?.items ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }

  quotaUsage(key: string, now: number): Promise<QuotaUsage> {
    return this.usage(this.db, key, now);
  }

  private async insertRow(db: Kysely<Database>, item: ItemRecord, quotaKey: string | null): Promise<void> {
    // Plain SQL like the read lookups below: every create runs it, and building it through the query
    // builder cost about half as much again as SQLite's own work for the row (bench/README.md).
    await sql`insert into items (id, kind, key_hash, owner, delete_token_hash, size, mime_type, filename, sha256, created_at, expires_at, burn_after_read, burned_at, downloads, wrapped_key, blob_id, inline_data, downloads_remaining, quota_key) values (${item.id}, ${item.kind}, ${item.keyHash}, ${item.owner}, ${item.deleteTokenHash}, ${item.size}, ${item.mimeType}, ${item.filename}, ${item.sha256}, ${item.createdAt}, ${item.expiresAt}, ${item.burnAfterRead ? 1 : 0}, ${item.burnedAt}, ${item.downloads}, ${item.wrappedKey}, ${item.blobId}, ${item.inline}, ${item.downloadsRemaining}, ${quotaKey})`.execute(db);
  }

  private live(now: number) {
    return this.db
      .selectFrom('items')
      .selectAll()
      .where('burned_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  }

  // The two lookups every read makes are written as plain SQL: building them through the query
  // builder each time cost more than running them.
  async getLive(id: string, now: number): Promise<ItemRecord | null> {
    const { rows } = await sql<Selectable<ItemsTable>>`select * from items where id = ${id} and burned_at is null and (expires_at is null or expires_at > ${now})`.execute(this.db);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async getLiveByKeyHash(keyHash: string, now: number): Promise<ItemRecord | null> {
    const { rows } = await sql<Selectable<ItemsTable>>`select * from items where key_hash = ${keyHash} and burned_at is null and (expires_at is null or expires_at > ${now})`.execute(this.db);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async claimRead(id: string, now: number): Promise<ItemRecord | null> {
    // One conditional UPDATE (an atomic decrement): the database decides who gets the last reads, in
    // one process or many. The right-hand sides see the row as it was before this update.
    const row = await this.db
      .updateTable('items')
      .set((eb) => ({
        downloads_remaining: eb('downloads_remaining', '-', 1),
        downloads: eb('downloads', '+', 1),
        open_reads: eb('open_reads', '+', 1),
        burned_at: eb.case().when('downloads_remaining', '=', 1).then(now).else(eb.ref('burned_at')).end(),
      }))
      .where('id', '=', id)
      .where('downloads_remaining', '>=', 1)
      .where('burned_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async endRead(id: string): Promise<boolean> {
    // Atomic decrement: of the readers of a spent item exactly one sees the count reach 0 (no claim
    // can raise it again once burned_at is set), and that one removes the item.
    const row = await this.db
      .updateTable('items')
      .set((eb) => ({ open_reads: eb('open_reads', '-', 1) }))
      .where('id', '=', id)
      .where('open_reads', '>', 0)
      .returning(['open_reads', 'burned_at'])
      .executeTakeFirst();
    return row !== undefined && Number(row.open_reads) === 0 && row.burned_at !== null;
  }

  async addDownloads(counts: ReadonlyMap<string, number>): Promise<void> {
    // One statement per slice of ids, rows locked in id order: two instances flushing overlapping
    // batches queue behind each other instead of deadlocking (each holding a row the other waits
    // for). Slices keep the statement under the drivers' bound-parameter limits.
    const ids = [...counts.keys()].sort();
    for (let at = 0; at < ids.length; at += DOWNLOAD_SLICE) {
      const slice = ids.slice(at, at + DOWNLOAD_SLICE);
      const rows = sql.join(slice.map((id) => sql`(${id}, cast(${counts.get(id) ?? 0} as integer))`));
      const lockInOrder = this.dialect === 'postgres' ? sql`, locked as (select id from items where id in (select id from batch) order by id for update)` : sql``;
      const target = this.dialect === 'postgres' ? sql`locked` : sql`batch`;
      await sql`with batch(id, n) as (values ${rows})${lockInOrder} update items set downloads = downloads + (select n from batch where batch.id = items.id) where id in (select id from ${target})`.execute(this.db);
    }
  }

  async deleteItem(id: string): Promise<RemovedItem | null> {
    const row = await this.db.deleteFrom('items').where('id', '=', id).returning(['id', 'blob_id']).executeTakeFirst();
    return row ? { id: row.id, blobId: row.blob_id } : null;
  }

  async removeDue(now: number, burnedBefore: number, limit: number): Promise<RemovedItem[]> {
    // One DELETE per batch: one commit (one WAL sync) for `limit` rows instead of one per row, and
    // the database alone decides which sweeper removes a row, so no two instances shred one blob.
    // PostgreSQL re-checks a row another sweeper deleted meanwhile and skips it (READ COMMITTED).
    const rows = await this.db
      .deleteFrom('items')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('items')
          .select('id')
          .where((inner) => inner.or([inner('expires_at', '<=', now), inner('burned_at', '<', burnedBefore)]))
          .limit(limit),
      )
      .returning(['id', 'blob_id'])
      .execute();
    return rows.map((row) => ({ id: row.id, blobId: row.blob_id }));
  }

  async hasBlob(blobId: string): Promise<boolean> {
    const row = await this.db.selectFrom('items').select('id').where('blob_id', '=', blobId).executeTakeFirst();
    return row !== undefined;
  }

  async listItems(query: ItemQuery): Promise<ItemRecord[]> {
    let select = this.live(query.now);
    if (query.owner !== null) select = select.where('owner', '=', query.owner);
    // MIME types are case-insensitive; LIKE is not on PostgreSQL (it is on SQLite, for ASCII): compare lowercased.
    const pattern = query.typePattern;
    if (pattern !== null) select = select.where((eb) => eb(eb.fn('lower', ['mime_type']), 'like', pattern.toLowerCase()));
    if (query.after !== null) select = select.where('created_at', '>', query.after);
    if (query.before !== null) select = select.where('created_at', '<', query.before);
    const cursor = query.cursor;
    if (cursor) select = select.where((eb) => eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]));
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }

  async replaceContent(id: string, content: ContentUpdate, now: number, maxBytes = 0): Promise<{ oldBlobId: string | null } | null> {
    // Read and write in one transaction with the row locked (PostgreSQL: FOR UPDATE; SQLite: the
    // write lock of the one writer): two racing PUTs, in one instance or many, each see the blob the
    // other left, so every replaced blob is named exactly once and shredded, none left unreferenced.
    // A byte quota is checked in the same transaction, under the key's lock (PostgreSQL: the same
    // advisory lock creates take, before the row lock, in the order creates take it).
    return this.db.transaction().execute(async (tx) => {
      if (maxBytes > 0 && this.dialect === 'postgres') {
        const keyed = await tx.selectFrom('items').select('quota_key').where('id', '=', id).executeTakeFirst();
        // A row's quota key never changes, so reading it before the lock is safe.
        if (keyed?.quota_key) await sql`select pg_advisory_xact_lock(${QUOTA_LOCK_CLASS}::int4, ${quotaLockId(keyed.quota_key)}::int4)`.execute(tx);
      }
      let select = tx
        .selectFrom('items')
        .select(['blob_id', 'size', 'quota_key'])
        .where('id', '=', id)
        .where('burned_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
      if (this.dialect === 'postgres') select = select.forUpdate();
      const old = await select.executeTakeFirst();
      if (!old) return null;
      const oldSize = Number(old.size);
      // Only growth is checked: content that shrinks or stays the size is never refused, even over a lowered quota.
      if (maxBytes > 0 && old.quota_key && content.size > oldSize) {
        const usage = await this.usage(tx, old.quota_key, now);
        const others = usage.bytes - oldSize;
        if (others + content.size > maxBytes) throw new QuotaOverrun('bytes', others, maxBytes);
      }
      await tx
        .updateTable('items')
        .set({ size: content.size, mime_type: content.mimeType, sha256: content.sha256, wrapped_key: content.wrappedKey, blob_id: content.blobId, inline_data: content.inline })
        .where('id', '=', id)
        .execute();
      return { oldBlobId: old.blob_id };
    });
  }

  async updateMetadata(id: string, update: MetadataUpdate, now: number): Promise<boolean> {
    const values: Partial<{ expires_at: number | null; burn_after_read: number; filename: string | null; downloads_remaining: number | null }> = {};
    if (update.expiresAt !== undefined) values.expires_at = update.expiresAt;
    if (update.burnAfterRead !== undefined) values.burn_after_read = update.burnAfterRead ? 1 : 0;
    if (update.filename !== undefined) values.filename = update.filename;
    if (update.downloadsRemaining !== undefined) values.downloads_remaining = update.downloadsRemaining;
    if (Object.keys(values).length === 0) return (await this.getLive(id, now)) !== null;
    const result = await this.db
      .updateTable('items')
      .set(values)
      .where('id', '=', id)
      .where('burned_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async getSetting(name: string): Promise<string | null> {
    const row = await this.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value ?? null;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute();
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    // Insert-if-absent, then read back: of instances racing on an empty database exactly one value
    // is stored and every one of them gets that same value.
    await this.db
      .insertInto('settings')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const stored = await this.getSetting(name);
    if (stored === null) throw new Error(`setting ${name} vanished right after it was created`);
    return stored;
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('settings').select('name').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
