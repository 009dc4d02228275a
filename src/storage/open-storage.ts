// The one place that picks the storage adapters from the configuration: SQLite or PostgreSQL for
// metadata, the filesystem (data dir or SEALBIN_BLOB_DIR) or PostgreSQL rows for blobs, and where
// partial tus uploads and their locks live (this data dir and process, or PostgreSQL).
import { join } from 'node:path';
import type { Logger } from 'pino';
import { UploadLocks } from '../core/upload-lock.js';
import type { Config } from '../config.js';
import { DATABASE_FILE } from '../data-dir.js';
import { FsBlobStore } from './fs/fs-blob-store.js';
import { FsPartialStore } from './fs/fs-partial-store.js';
import type { BlobStore, MetadataStores, PartialStore, UploadLocker } from './ports.js';
import { openSqliteStores } from './sqlite/sqlite-stores.js';
import { StorageOpenError } from './storage-open-error.js';

export { StorageOpenError } from './storage-open-error.js';

export interface OpenedStorage {
  stores: MetadataStores;
  blobs: BlobStore;
  /** Partial tus uploads (their locks: openUploadLocks). */
  partials: PartialStore;
  /** Where things are, for the startup log: never contains a password. */
  describe: string;
  /** True when metadata or blobs live outside this instance's data dir: other instances may be writing there now. */
  shared: boolean;
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
    const partials = new FsPartialStore(join(dataDir, 'tus'), config.shredPasses);
    return { stores, blobs, partials, describe: `SQLite ${join(dataDir, DATABASE_FILE)}, blobs in ${blobDir}`, shared: config.blobDir !== undefined };
  }
  // The PostgreSQL adapters (and pg) load only here: an embedded instance never pays their memory.
  const { openPostgresStorage } = await import('./postgres/open-postgres.js');
  return openPostgresStorage(config, url, logger, fsBlobs);
}

/** The filesystem BlobStore at `dir`, checked usable (closing `stores` when it is not). */
export async function fsBlobs(dir: string, shredPasses: number, stores: MetadataStores): Promise<FsBlobStore> {
  const blobs = new FsBlobStore(dir, shredPasses);
  try {
    await blobs.init();
  } catch (error) {
    await stores.metadata.close();
    throw new StorageOpenError(`blob directory ${dir} is not usable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return blobs;
}

/** Connections that hold upload locks: one per tus request in progress on this instance. */
const LOCK_POOL_SIZE = 8;

/**
 * One request at a time per partial upload among everyone who uses the partials of openStorage: this
 * process on SQLite, every instance on PostgreSQL (which holds connections: close() it).
 * @example const locks = await openUploadLocks(config, logger)
 */
export async function openUploadLocks(config: Config, logger: Logger): Promise<UploadLocker> {
  const url = config.databaseUrl;
  if (url === undefined) return new UploadLocks();
  const { openPostgresUploadLocks } = await import('./postgres/open-postgres.js');
  return openPostgresUploadLocks(url, logger, LOCK_POOL_SIZE);
}
