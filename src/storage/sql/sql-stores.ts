// One SQL database, one store per port. Each dialect's opener (sqlite/, later postgres/) makes the
// Kysely instance and hands it here, so every dialect gets the same stores and migrations.
import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import type { MetadataStores } from '../ports.js';
import { migrationProvider } from './migrations.js';
import type { SqlDialect } from './migrations.js';
import type { Database } from './schema.js';
import type { WalSync } from '../sqlite/wal-sync.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { SqlRowCopyStore } from './sql-row-copy-store.js';
import { SqlFieldSealingStore } from './sql-field-sealing-store.js';
import { SqlItemStore } from './sql-item-store.js';
import { SqlKeyRotationStore } from './sql-key-rotation-store.js';
import { SqlPkiStore } from './sql-pki-store.js';
import { SqlShortLinkStore } from './sql-short-link-store.js';

/**
 * Brings the schema up to date with Kysely's migrator and builds the stores (SQLite: one file, one
 * process at a time; PostgreSQL runs its own locked migration first and calls buildSqlStores).
 * @example const { metadata, pki } = await openSqlStores(new Kysely<Database>({ dialect }), 'sqlite')
 */
export async function openSqlStores(db: Kysely<Database>, dialect: SqlDialect, walSync?: WalSync): Promise<MetadataStores> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return buildSqlStores(db, dialect, walSync);
}

/** One store per port over an already migrated database. */
export function buildSqlStores(db: Kysely<Database>, dialect: SqlDialect, walSync?: WalSync): MetadataStores {
  return { metadata: new SqlItemStore(db, dialect, walSync), pki: new SqlPkiStore(db), links: new SqlShortLinkStore(db), keys: new SqlKeyRotationStore(db), fields: new SqlFieldSealingStore(db), audit: new SqlAuditStore(db), rows: new SqlRowCopyStore(db) };
}
