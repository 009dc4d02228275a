// The embedded default: one SQLite file under the data dir, through better-sqlite3.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import type { Database } from '../sql/schema.js';
import { openSqlStores } from '../sql/sql-stores.js';
import type { MetadataStores } from '../ports.js';
import { RecentRowCache } from './recent-rows.js';
import { changeStamp } from './change-stamp.js';
import type { WriteCount } from './change-stamp.js';
import { WalShredder, shredAfterRemovals } from './wal-shredder.js';
import { WalSync } from './wal-sync.js';

export interface SqliteOptions {
  /** Told when a WAL checkpoint fails (it is retried). */
  onShredError?: (error: unknown) => void;
}

/**
 * Opens (creating if needed) and migrates the SQLite database, with one store per port over it.
 * @example const { metadata, pki, links } = await openSqliteStores('./data/sealbin.db')
 */
export async function openSqliteStores(file: string, options: SqliteOptions = {}): Promise<MetadataStores> {
  const sqlite = new BetterSqlite3(file);
  const wal = sqlite.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  // A 201 promises durability: FULL syncs the WAL on every commit (NORMAL could lose the last ones on power loss).
  sqlite.pragma('synchronous = FULL');
  // Deleted rows (wrapped item keys, small inline items) are zeroed in the file instead of lingering in free pages.
  sqlite.pragma('secure_delete = ON');
  // A build of SQLite that ignores the pragma (SQLITE_OMIT / a capped SQLITE_SECURE_DELETE) would
  // silently keep deleted keys in free pages: refuse to run on it rather than promise shredding.
  if (sqlite.pragma('secure_delete', { simple: true }) !== 1) {
    sqlite.close();
    throw new Error('SQLite secure_delete could not be turned on; deleted items would stay recoverable');
  }
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Old frames of deleted rows stay in the WAL until it is truncated: see wal-shredder.ts.
  const shredder = new WalShredder(sqlite, options.onShredError);
  const writes: WriteCount = { count: 0 };
  // Without a WAL (an in-memory database) every commit simply stays FULL.
  const walSync = wal ? new WalSync(`${file}-wal`) : undefined;
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite, shredder, walSync, writes) }), plugins: [shredAfterRemovals(shredder)] });
  const stores = await openSqlStores(db, 'sqlite', walSync);
  return { ...stores, metadata: new RecentRowCache(stores.metadata, changeStamp(sqlite, writes)) };
}

const STATEMENT_CACHE = 256;

/**
 * Kysely prepares every query anew; with better-sqlite3 preparing costs more than running a simple
 * statement. Our queries are a small fixed set of SQL strings, so prepared statements are kept.
 */
function cachingStatements(sqlite: BetterSqlite3.Database, shredder: WalShredder, walSync: WalSync | undefined, writes: WriteCount): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  // SQLite ends a transaction by itself when its COMMIT fails for SQLITE_FULL (or IOERR, NOMEM):
  // Kysely's ROLLBACK that follows then fails with "no transaction is active", and that error
  // replaces the one saying the disk is full. A ROLLBACK outside a transaction does nothing here.
  let nothing: BetterSqlite3.Statement | undefined;
  return {
    close: () => {
      // A removal in the last second before shutdown is shredded too, not left for the next start.
      shredder.flush();
      sqlite.close();
      void walSync?.close();
    },
    prepare: (sql: string) => {
      // Anything but a SELECT may change rows (UPDATE … RETURNING is a "reader" too): cached rows go stale.
      if (!/^\s*select\s/i.test(sql)) writes.count += 1;
      if (!sqlite.inTransaction && /^\s*rollback\s*;?\s*$/i.test(sql)) return (nothing ??= sqlite.prepare('select 1 where 0'));
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
