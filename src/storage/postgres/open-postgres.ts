// The PostgreSQL side of open-storage.ts, loaded only when SEALBIN_DATABASE_URL is set: pg and these
// adapters cost an embedded (SQLite) instance ~15 MiB of memory it would never use.
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { OpenedStorage } from '../open-storage.js';
import type { BlobStore, MetadataStores, UploadLocker } from '../ports.js';
import { StorageOpenError } from '../storage-open-error.js';
import { PostgresBlobStore } from './postgres-blob-store.js';
import { PostgresPartialStore } from './postgres-partial-store.js';
import { createPool, openPostgresStores } from './postgres-stores.js';
import { PostgresUploadLocks } from './postgres-upload-locks.js';
import { redactDatabaseUrl, redactPassword } from './postgres-url.js';

type FsBlobs = (dir: string, shredPasses: number, stores: MetadataStores) => Promise<BlobStore>;

/** Metadata in PostgreSQL at `url`; blobs there too unless SEALBIN_BLOB_DIR names a directory. */
export async function openPostgresStorage(config: Config, url: string, logger: Logger, fsBlobs: FsBlobs): Promise<OpenedStorage> {
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
  return { stores, blobs, partials: new PostgresPartialStore(pool), describe: `PostgreSQL ${redactDatabaseUrl(url)}, blobs in ${config.blobDir ?? 'PostgreSQL'}`, shared: true };
}

/** Upload locks every instance on `url` shares (session advisory locks, NOTIFY to ask a holder to yield). */
export async function openPostgresUploadLocks(url: string, logger: Logger, poolSize: number): Promise<UploadLocker> {
  const onError = (error: Error) => logger.warn({ reason: redactPassword(error.message, url) }, 'a PostgreSQL connection for upload locks failed; reconnecting');
  const pool = createPool(url, onError, { max: poolSize });
  const locks = new PostgresUploadLocks({ pool, listener: () => new pg.Client({ connectionString: url, keepAlive: true }), onListenerError: onError });
  try {
    await locks.listen();
  } catch (error) {
    await locks.close();
    throw new StorageOpenError(`cannot open PostgreSQL at ${redactDatabaseUrl(url)}: ${redactPassword((error as Error).message, url)}`);
  }
  return locks;
}
