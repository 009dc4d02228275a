// `sealbin migrate`: brings the configured database's schema up to date and exits, so that a
// rollout can migrate once before starting (or replacing) instances. Instances also migrate at
// start, under a lock; this only moves that work (and any failure) ahead of the rollout.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { prepareDataDir } from '../data-dir.js';
import { openStorage } from '../storage/open-storage.js';

/** Migrates (opening the storage does) and closes; returns a line naming the database (never its password). */
export async function migrate(config: Config, logger: Logger): Promise<string> {
  const dataDir = await prepareDataDir(config.dataDir);
  const storage = await openStorage(config, dataDir, logger);
  await storage.stores.metadata.close();
  return `${storage.describe}: schema up to date`;
}
