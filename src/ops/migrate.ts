// `sealbin migrate`: brings the configured database's schema up to date and exits, so that a
// rollout can migrate once before starting (or replacing) instances. Instances also migrate at
// start, under a lock; this only moves that work (and any failure) ahead of the rollout.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DATABASE_FILE, prepareDataDir } from '../data-dir.js';
import { createPool, openPostgresStores } from '../storage/postgres/postgres-stores.js';
import { redactUrl } from '../storage/redact-url.js';
import { openSqliteStores } from '../storage/sqlite/sqlite-stores.js';

/** Migrates and closes; returns a line naming the database (never its password). */
export async function migrate(config: Config, logger: Logger): Promise<string> {
  if (config.databaseUrl !== undefined) {
    const pool = createPool(config.databaseUrl, (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
    const stores = await openPostgresStores(pool);
    await stores.metadata.close();
    return `PostgreSQL ${redactUrl(config.databaseUrl)}: schema up to date`;
  }
  const dataDir = await prepareDataDir(config.dataDir);
  const file = join(dataDir, DATABASE_FILE);
  const stores = await openSqliteStores(file);
  await stores.metadata.close();
  return `SQLite ${file}: schema up to date`;
}
