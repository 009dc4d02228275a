// The MetadataStore port over Kysely (items and settings): the same queries serve SQLite and PostgreSQL.
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { ContentUpdate, ItemQuery, ItemRecord, MetadataStore, MetadataUpdate, RemovedItem } from '../ports.js';
import type { SqlDialect } from './migrations.js';
import type { Database, ItemsTable } from './schema.js';

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
  ) {}

  private pendingInserts: { item: ItemRecord; resolve: () => void; reject: (error: unknown) => void }[] = [];

  /**
   * Group commit: inserts that arrive while the event loop is busy are committed together, one
   * transaction (and one fsync) for the lot, and each caller resolves only after that commit. A
   * failing batch is retried row by row, so one bad row fails only its own request.
   */
  insertItem(item: ItemRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingInserts.push({ item, resolve, reject });
      if (this.pendingInserts.length === 1) setImmediate(() => void this.flushInserts());
    });
  }

  private async flushInserts(): Promise<void> {
    const batch = this.pendingInserts;
    this.pendingInserts = [];
    try {
      // By hand rather than db.transaction(): SQLite ends the transaction itself when COMMIT fails
      // (SQLITE_FULL), and Kysely's ROLLBACK that then fails would replace the error that says why.
      await this.db.connection().execute(async (conn) => {
        await sql`begin`.execute(conn);
        try {
          for (const { item } of batch) await this.insertRow(conn, item);
          await sql`commit`.execute(conn);
        } catch (error) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw error;
        }
      });
      for (const entry of batch) entry.resolve();
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const entry of batch) await this.insertRow(this.db, entry.item).then(entry.resolve, entry.reject);
    }
  }

  private async insertRow(db: Kysely<Database>, item: ItemRecord): Promise<void> {
    await db
      .insertInto('items')
      .values({
        id: item.id,
        kind: item.kind,
        key_hash: item.keyHash,
        owner: item.owner,
        delete_token_hash: item.deleteTokenHash,
        size: item.size,
        mime_type: item.mimeType,
        filename: item.filename,
        sha256: item.sha256,
        created_at: item.createdAt,
        expires_at: item.expiresAt,
        burn_after_read: item.burnAfterRead ? 1 : 0,
        burned_at: item.burnedAt,
        downloads: item.downloads,
        wrapped_key: item.wrappedKey,
        blob_id: item.blobId,
        inline_data: item.inline,
        downloads_remaining: item.downloadsRemaining,
      })
      .execute();
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

  async replaceContent(id: string, content: ContentUpdate, now: number): Promise<{ oldBlobId: string | null } | null> {
    // Read and write in one transaction with the row locked (PostgreSQL: FOR UPDATE; SQLite: the
    // write lock of the one writer): two racing PUTs, in one instance or many, each see the blob the
    // other left, so every replaced blob is named exactly once and shredded, none left unreferenced.
    return this.db.transaction().execute(async (tx) => {
      let select = tx
        .selectFrom('items')
        .select('blob_id')
        .where('id', '=', id)
        .where('burned_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
      if (this.dialect === 'postgres') select = select.forUpdate();
      const old = await select.executeTakeFirst();
      if (!old) return null;
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
