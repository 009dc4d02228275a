// The `sealbin export-to` command around ops/export-to.ts: reads its arguments, opens the configured
// SQLite data dir as the source and the named PostgreSQL database as the target (blobs into its
// rows), copies, and reports counts.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DATABASE_FILE } from '../data-dir.js';
import { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import type { BlobStore } from '../storage/ports.js';
import { PostgresBlobStore } from '../storage/postgres/postgres-blob-store.js';
import { createPool, openPostgresStores } from '../storage/postgres/postgres-stores.js';
import { redactUrl } from '../storage/redact-url.js';
import { openSqliteStores } from '../storage/sqlite/sqlite-stores.js';
import { exportTo } from './export-to.js';

const USAGE = 'usage: sealbin export-to --database-url postgres://USER@HOST/DB';

export function parseExportArgs(args: readonly string[]): { databaseUrl: string } {
  let databaseUrl: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--database-url') databaseUrl = args[++i];
    else if (arg.startsWith('--database-url=')) databaseUrl = arg.slice('--database-url='.length);
    else throw new Error(`unknown argument "${arg}" (${USAGE})`);
  }
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error(`--database-url must be a postgres:// URL (${USAGE})`);
  return { databaseUrl };
}

/** Runs the copy; returns the report lines. */
export async function exportToDatabase(config: Config, logger: Logger, args: readonly string[]): Promise<string[]> {
  const { databaseUrl } = parseExportArgs(args);
  // The source is the embedded store; copying between two PostgreSQL databases is pg_dump's job.
  if (config.databaseUrl !== undefined) throw new Error('export-to copies from the SQLite data dir: unset SEALBIN_DATABASE_URL for this command');
  const dataDir = resolve(config.dataDir);
  const file = join(dataDir, DATABASE_FILE);
  if (!existsSync(file)) throw new Error(`no database at ${file}: nothing to export (is SEALBIN_DATA_DIR right?)`);

  const source = await openSqliteStores(file);
  const pool = createPool(databaseUrl, (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  let target: Awaited<ReturnType<typeof openPostgresStores>> | null = null;
  try {
    target = await openPostgresStores(pool);
    const sourceBlobs = new FsBlobStore(join(dataDir, 'blobs'), config.shredPasses);
    const targetBlobs: BlobStore = new PostgresBlobStore(pool);
    const report = await exportTo({ stores: source, blobs: sourceBlobs }, { stores: target, blobs: targetBlobs }, (what) => logger.info(what));
    const { rows } = report;
    return [
      `copied ${file} into ${redactUrl(databaseUrl)}:`,
      `  items: ${rows.items}, short links: ${rows.short_links}`,
      `  CA: ${rows.pki_ca}, certificates: ${rows.pki_certs}, audit events: ${rows.pki_audit}, settings: ${rows.settings}`,
      `  blobs: ${report.blobs} (${report.blobBytes} bytes) into PostgreSQL rows`,
      'start the instances with the same master key (SEALBIN_MASTER_KEY, or the contents of the data dir\'s master.key).',
    ];
  } finally {
    await source.metadata.close();
    if (target) await target.metadata.close();
    else await pool.end().catch(() => undefined);
  }
}
