// The embedded default: one SQLite file under the data dir, through better-sqlite3.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import type { Database } from '../sql/schema.js';
import { openSqlStores } from '../sql/sql-stores.js';
import type { MetadataStores } from '../ports.js';

/**
 * Opens (creating if needed) and migrates the SQLite database, with one store per port over it.
 * @example const { metadata, pki, links } = await openSqliteStores('./data/sealbin.db')
 */
export async function openSqliteStores(file: string): Promise<MetadataStores> {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // A 201 promises durability: FULL syncs the WAL on every commit (NORMAL could lose the last ones on power loss).
  sqlite.pragma('synchronous = FULL');
  // Deleted rows (wrapped item keys, small inline items) are zeroed in the file instead of lingering in free pages.
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  return openSqlStores(db, 'sqlite');
}

const STATEMENT_CACHE = 256;

/**
 * Kysely prepares every query anew; with better-sqlite3 preparing costs more than running a simple
 * statement. Our queries are a small fixed set of SQL strings, so prepared statements are kept.
 */
function cachingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
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
