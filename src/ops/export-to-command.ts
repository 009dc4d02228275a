// The `sealbin export-to` command around ops/export-to.ts: reads its arguments, opens the configured
// SQLite data dir as the source and the named PostgreSQL database as the target (blobs into its
// rows), copies, and reports counts.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DATABASE_FILE } from '../data-dir.js';
import { openStorage } from '../storage/open-storage.js';
import type { OpenedStorage } from '../storage/open-storage.js';
import { redactUrl } from '../storage/redact-url.js';
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

  const source = await openStorage(config, dataDir, logger);
  let target: OpenedStorage | null = null;
  try {
    target = await openStorage({ ...config, databaseUrl }, dataDir, logger);
    // With SEALBIN_BLOB_DIR the blobs are already where the new instances will look for them: copying
    // them onto themselves would first remove them.
    const blobsStay = config.blobDir !== undefined;
    const report = await exportTo({ stores: source.stores, blobs: source.blobs }, { stores: target.stores, blobs: target.blobs }, (what) => logger.info(what), { copyBlobs: !blobsStay });
    const { rows } = report;
    return [
      `copied ${file} into ${redactUrl(databaseUrl)}:`,
      `  items: ${rows.items}, short links: ${rows.short_links}`,
      `  CA: ${rows.pki_ca}, certificates: ${rows.pki_certs}, audit events: ${rows.pki_audit}, settings: ${rows.settings}`,
      blobsStay ? `  blobs: stay in ${config.blobDir} (SEALBIN_BLOB_DIR)` : `  blobs: ${report.blobs} (${report.blobBytes} bytes) into PostgreSQL rows`,
      "start the instances with the same master key (SEALBIN_MASTER_KEY, or the contents of the data dir's master.key).",
    ];
  } finally {
    await source.stores.metadata.close();
    if (target) await target.stores.metadata.close();
  }
}
