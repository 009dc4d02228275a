// PostgreSQL for metadata, PKI, short links and settings: the same Kysely schema, stores and
// migrations as SQLite (../sql/), over a pg Pool shared by every instance of the server.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { MetadataStores } from '../ports.js';
import type { Database } from '../sql/schema.js';
import { openSqlStores } from '../sql/sql-stores.js';

/** Connections per instance: enough for concurrent requests and the blob streams, small enough that 10 instances fit PostgreSQL's default max_connections of 100. */
export const POOL_SIZE = 8;
/** A statement that runs longer than this is cancelled: a stuck query must not hold a request (and a connection) forever. */
export const STATEMENT_TIMEOUT_MS = 30_000;

export interface PostgresOptions {
  /** Extra server settings for every connection, as libpq's `options` ("-c search_path=test_x"). */
  options?: string;
  /** Pool size; default POOL_SIZE. */
  max?: number;
}

/**
 * A pg Pool with the timeouts every Sealbin connection needs. Errors of idle clients (a restarted
 * server) are reported to `onIdleError` instead of crashing the process; the pool reconnects by itself.
 * @example const pool = createPool('postgres://sealbin@db/sealbin', (err) => logger.warn(err))
 */
export function createPool(url: string, onIdleError: (error: Error) => void, options: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    // At least 2: opening holds one connection for the migration lock while migrating on another.
    max: Math.max(2, options.max ?? POOL_SIZE),
    ...(options.options ? { options: options.options } : {}),
    // A database that does not answer fails the request within seconds (503), instead of queueing it.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // A transaction left open by a crashed request would otherwise hold its row locks indefinitely.
    idle_in_transaction_session_timeout: 60_000,
  });
  pool.on('error', onIdleError);
  return pool;
}

/**
 * Opens the stores over `pool` and brings its schema (the connection's search_path) up to date.
 * Several instances may start at once: see migrateLocked.
 * @example const stores = await openPostgresStores(createPool(url, onError))
 */
export async function openPostgresStores(pool: pg.Pool): Promise<MetadataStores> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const schema = await currentSchema(db);
    return await withMigrationLock(db, schema, () => openSqlStores(db, 'postgres', schema));
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: the search_path names no existing schema');
  return schema;
}

/**
 * Kysely's own migration lock is taken only after it has created its bookkeeping tables, and those
 * CREATEs race between instances starting together on an empty schema. A session advisory lock on
 * one connection, keyed by the schema, serialises the whole opening; the others wait, then find the
 * schema up to date.
 */
async function withMigrationLock<T>(db: Kysely<Database>, schema: string, open: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${`sealbin-migrate:${schema}`}))`.execute(conn);
    try {
      return await open();
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${`sealbin-migrate:${schema}`}))`.execute(conn);
    }
  });
}
