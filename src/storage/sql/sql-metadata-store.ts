// MetadataStore over Kysely: the same queries serve SQLite and PostgreSQL.
import { Migrator, sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { KeyRotationStore, ShortLinkRecord, ShortLinkStore, CaRecord, CertRecord, ContentUpdate, ItemQuery, ItemRecord, MetadataStore, MetadataUpdate, PkiStore, RemovedItem } from '../ports.js';
import type { Database, ItemsTable, PkiCertsTable, ShortLinksTable } from './schema.js';
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

function toCert(row: Selectable<PkiCertsTable>): CertRecord {
  return {
    serial: row.serial,
    fingerprint: row.fingerprint,
    sha1: row.sha1,
    commonName: row.common_name,
    admin: Number(row.admin) === 1,
    issuedAt: Number(row.issued_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    certificatePem: row.certificate_pem,
  };
}

function toLink(row: Selectable<ShortLinksTable>): ShortLinkRecord {
  return {
    id: row.id,
    target: row.target,
    owner: row.owner,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    clicks: Number(row.clicks),
  };
}

export class SqlMetadataStore implements MetadataStore, PkiStore, ShortLinkStore, KeyRotationStore {
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
      await this.db.transaction().execute(async (tx) => {
        for (const { item } of batch) await this.insertRow(tx, item);
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

  async addDownloads(counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const [id, count] of counts) {
        await tx
          .updateTable('items')
          .set({ downloads: (eb) => eb('downloads', '+', count) })
          .where('id', '=', id)
          .execute();
      }
    });
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

  async listItems(query: ItemQuery): Promise<ItemRecord[]> {
    let select = this.live(query.now);
    if (query.owner !== null) select = select.where('owner', '=', query.owner);
    if (query.typePattern !== null) select = select.where('mime_type', 'like', query.typePattern);
    if (query.after !== null) select = select.where('created_at', '>', query.after);
    if (query.before !== null) select = select.where('created_at', '<', query.before);
    const cursor = query.cursor;
    if (cursor) select = select.where((eb) => eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]));
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }

  async replaceContent(id: string, content: ContentUpdate, now: number): Promise<{ oldBlobId: string | null } | null> {
    return this.db.transaction().execute(async (tx) => {
      const old = await tx
        .selectFrom('items')
        .select('blob_id')
        .where('id', '=', id)
        .where('burned_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst();
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
    const values: Partial<{ expires_at: number | null; burn_after_read: number; filename: string | null }> = {};
    if (update.expiresAt !== undefined) values.expires_at = update.expiresAt;
    if (update.burnAfterRead !== undefined) values.burn_after_read = update.burnAfterRead ? 1 : 0;
    if (update.filename !== undefined) values.filename = update.filename;
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

  async getCa(): Promise<CaRecord | null> {
    const row = await this.db.selectFrom('pki_ca').selectAll().where('id', '=', 'ca').executeTakeFirst();
    if (!row) return null;
    return {
      certificatePem: row.certificate_pem,
      sealedKey: Buffer.from(row.sealed_key),
      fingerprint: row.fingerprint,
      commonName: row.common_name,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  async createCa(ca: CaRecord): Promise<boolean> {
    // The fixed primary key makes "only one CA" a database fact, even with racing instances.
    const result = await this.db
      .insertInto('pki_ca')
      .values({ id: 'ca', certificate_pem: ca.certificatePem, sealed_key: ca.sealedKey, fingerprint: ca.fingerprint, common_name: ca.commonName, created_at: ca.createdAt, expires_at: ca.expiresAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async insertCert(cert: CertRecord): Promise<void> {
    await this.db
      .insertInto('pki_certs')
      .values({
        serial: cert.serial,
        fingerprint: cert.fingerprint,
        sha1: cert.sha1,
        common_name: cert.commonName,
        admin: cert.admin ? 1 : 0,
        issued_at: cert.issuedAt,
        expires_at: cert.expiresAt,
        revoked_at: cert.revokedAt,
        certificate_pem: cert.certificatePem,
      })
      .execute();
  }

  async getCertByFingerprint(fingerprint: string): Promise<CertRecord | null> {
    const row = await this.db.selectFrom('pki_certs').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst();
    return row ? toCert(row) : null;
  }

  async getCertBySha1(sha1: string): Promise<CertRecord | null> {
    const row = await this.db.selectFrom('pki_certs').selectAll().where('sha1', '=', sha1).executeTakeFirst();
    return row ? toCert(row) : null;
  }

  async getCertBySerial(serial: string): Promise<CertRecord | null> {
    const row = await this.db.selectFrom('pki_certs').selectAll().where('serial', '=', serial).executeTakeFirst();
    return row ? toCert(row) : null;
  }

  async listCerts(): Promise<CertRecord[]> {
    const rows = await this.db.selectFrom('pki_certs').selectAll().orderBy('issued_at', 'asc').orderBy('serial', 'asc').execute();
    return rows.map(toCert);
  }

  async revokeCert(serial: string, at: number): Promise<CertRecord | null> {
    await this.db.updateTable('pki_certs').set({ revoked_at: at }).where('serial', '=', serial).where('revoked_at', 'is', null).execute();
    return this.getCertBySerial(serial);
  }

  async insertLink(link: ShortLinkRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('short_links')
      .values({ id: link.id, target: link.target, owner: link.owner, created_at: link.createdAt, expires_at: link.expiresAt, clicks: link.clicks })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getLiveLink(id: string, now: number): Promise<ShortLinkRecord | null> {
    const row = await this.db
      .selectFrom('short_links')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async clickLink(id: string, now: number): Promise<ShortLinkRecord | null> {
    // One UPDATE ... RETURNING: concurrent clicks can never overwrite each other's count.
    const row = await this.db
      .updateTable('short_links')
      .set({ clicks: (eb) => eb('clicks', '+', 1) })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async listLinks(owner: string | null, now: number): Promise<ShortLinkRecord[]> {
    let select = this.db
      .selectFrom('short_links')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    if (owner !== null) select = select.where('owner', '=', owner);
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1000).execute();
    return rows.map(toLink);
  }

  async deleteLink(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('short_links').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteExpiredLinks(now: number): Promise<number> {
    const result = await this.db.deleteFrom('short_links').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listWrappedKeys(afterId: string, limit: number): Promise<{ id: string; wrappedKey: Buffer }[]> {
    const rows = await this.db.selectFrom('items').select(['id', 'wrapped_key']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, wrappedKey: Buffer.from(row.wrapped_key) }));
  }

  async replaceWrappedKey(id: string, old: Buffer, next: Buffer): Promise<boolean> {
    const result = await this.db.updateTable('items').set({ wrapped_key: next }).where('id', '=', id).where('wrapped_key', '=', old).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async replaceCaSealedKey(old: Buffer, next: Buffer): Promise<boolean> {
    const result = await this.db.updateTable('pki_ca').set({ sealed_key: next }).where('id', '=', 'ca').where('sealed_key', '=', old).executeTakeFirst();
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

  async ping(): Promise<void> {
    await this.db.selectFrom('settings').select('name').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
