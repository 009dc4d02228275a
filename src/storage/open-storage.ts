// The one place that picks the storage adapters from the configuration: SQLite or PostgreSQL for
// metadata, the filesystem (data dir or SEALBIN_BLOB_DIR) or PostgreSQL rows for blobs.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DATABASE_FILE } from '../data-dir.js';
import { FsBlobStore } from './fs/fs-blob-store.js';
import type { BlobStore, MetadataStores } from './ports.js';
import { PostgresBlobStore } from './postgres/postgres-blob-store.js';
import { createPool, openPostgresStores } from './postgres/postgres-stores.js';
import { redactDatabaseUrl, redactPassword } from './postgres/postgres-url.js';
import { openSqliteStores } from './sqlite/sqlite-stores.js';

export interface OpenedStorage {
  stores: MetadataStores;
  blobs: BlobStore;
  /** Where things are, for the startup log: never contains a password. */
  describe: string;
  /** True when metadata or blobs live outside this instance's data dir: other instances may be writing there now. */
  shared: boolean;
}

export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}

/**
 * Opens (and migrates) the metadata database and the blob store the configuration names.
 * @example const { stores, blobs } = await openStorage(config, '/var/lib/sealbin', logger)
 */
export async function openStorage(config: Config, dataDir: string, logger: Logger): Promise<OpenedStorage> {
  const url = config.databaseUrl;
  if (url === undefined) {
    const stores = await openSqliteStores(join(dataDir, DATABASE_FILE), { onShredError: (error) => logger.warn({ err: error }, 'WAL checkpoint after a removal failed; retrying') });
    const blobDir = config.blobDir ?? join(dataDir, 'blobs');
    const blobs = await fsBlobs(blobDir, config.shredPasses, stores);
    return { stores, blobs, describe: `SQLite ${join(dataDir, DATABASE_FILE)}, blobs in ${blobDir}`, shared: config.blobDir !== undefined };
  }
  // Driver messages and the URL itself may carry the password: only redacted forms reach logs and errors.
  const pool = createPool(url, (error) => logger.warn({ reason: redactPassword(error.message, url) }, 'an idle PostgreSQL connection failed; the pool reconnects'));
  let stores: MetadataStores;
  try {
    stores = await openPostgresStores(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StorageOpenError(`cannot open PostgreSQL at ${redactDatabaseUrl(url)}: ${redactPassword((error as Error).message, url)}`);
  }
  const blobs = config.blobDir ? await fsBlobs(config.blobDir, config.shredPasses, stores) : new PostgresBlobStore(pool);
  return { stores, blobs, describe: `PostgreSQL ${redactDatabaseUrl(url)}, blobs in ${config.blobDir ?? 'PostgreSQL'}`, shared: true };
}

async function fsBlobs(dir: string, shredPasses: number, stores: MetadataStores): Promise<FsBlobStore> {
  const blobs = new FsBlobStore(dir, shredPasses);
  try {
    await blobs.init();
  } catch (error) {
    await stores.metadata.close();
    throw new StorageOpenError(`blob directory ${dir} is not usable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return blobs;
}
