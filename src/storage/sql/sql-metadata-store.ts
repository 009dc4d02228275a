// MetadataStore over Kysely: the same queries serve SQLite and PostgreSQL.
import { Migrator } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { ItemRecord, MetadataStore, RemovedItem } from '../ports.js';
import type { Database, ItemsTable } from './schema.js';
import { migrationProvider } from './migrations.js';
import type { SqlDialect } from './migrations.js';

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
    wrappedKey: Buffer.from(row.wrapped_key),
    blobId: row.blob_id,
    inline: row.inline_data === null ? null : Buffer.from(row.inline_data),
  };
}

export class SqlMetadataStore implements MetadataStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  /** Brings the schema up to date; safe to run from several instances (migrations are locked). */
  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect) });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  async insertItem(item: ItemRecord): Promise<void> {
    await this.db
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

  async getLive(id: string, now: number): Promise<ItemRecord | null> {
    const row = await this.live(now).where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async getLiveByKeyHash(keyHash: string, now: number): Promise<ItemRecord | null> {
    const row = await this.live(now).where('key_hash', '=', keyHash).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async claimBurn(id: string, now: number): Promise<ItemRecord | null> {
    // One conditional UPDATE: the database decides the single winner, in one process or many.
    const row = await this.db
      .updateTable('items')
      .set({ burned_at: now, downloads: (eb) => eb('downloads', '+', 1) })
      .where('id', '=', id)
      .where('burn_after_read', '=', 1)
      .where('burned_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async countDownload(id: string): Promise<void> {
    await this.db
      .updateTable('items')
      .set({ downloads: (eb) => eb('downloads', '+', 1) })
      .where('id', '=', id)
      .execute();
  }

  async deleteItem(id: string): Promise<RemovedItem | null> {
    const row = await this.db.deleteFrom('items').where('id', '=', id).returning(['id', 'blob_id']).executeTakeFirst();
    return row ? { id: row.id, blobId: row.blob_id } : null;
  }

  async listRemovable(now: number, burnedBefore: number, limit: number): Promise<RemovedItem[]> {
    const rows = await this.db
      .selectFrom('items')
      .select(['id', 'blob_id'])
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('burned_at', '<', burnedBefore)]))
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, blobId: row.blob_id }));
  }

  async hasBlob(blobId: string): Promise<boolean> {
    const row = await this.db.selectFrom('items').select('id').where('blob_id', '=', blobId).executeTakeFirst();
    return row !== undefined;
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

  async ping(): Promise<void> {
    await this.db.selectFrom('settings').select('name').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
