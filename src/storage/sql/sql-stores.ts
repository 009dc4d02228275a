// One SQL database, one store per port. Each dialect's opener (sqlite/, later postgres/) makes the
// Kysely instance and hands it here, so every dialect gets the same stores and migrations.
import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import type { MetadataStores } from '../ports.js';
import { migrationProvider } from './migrations.js';
import type { SqlDialect } from './migrations.js';
import type { Database } from './schema.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { SqlRowCopyStore } from './sql-row-copy-store.js';
import { SqlFieldSealingStore } from './sql-field-sealing-store.js';
import { SqlItemStore } from './sql-item-store.js';
import { SqlKeyRotationStore } from './sql-key-rotation-store.js';
import { SqlPkiStore } from './sql-pki-store.js';
import { SqlShortLinkStore } from './sql-short-link-store.js';

/**
 * Brings the schema up to date (safe from several instances: migrations are locked) and builds the stores.
 * `schema`: the PostgreSQL schema the tables live in (the connection's current schema).
 * @example const { metadata, pki } = await openSqlStores(new Kysely<Database>({ dialect }), 'sqlite')
 */
export async function openSqlStores(db: Kysely<Database>, dialect: SqlDialect, schema?: string): Promise<MetadataStores> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: a database with
  // another Sealbin schema in it would otherwise make this one look migrated already.
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return { metadata: new SqlItemStore(db, dialect), pki: new SqlPkiStore(db), links: new SqlShortLinkStore(db), keys: new SqlKeyRotationStore(db), fields: new SqlFieldSealingStore(db), audit: new SqlAuditStore(db), rows: new SqlRowCopyStore(db) };
}
