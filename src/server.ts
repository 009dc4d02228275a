// Opens everything the server needs from a Config: data dir, master key, stores, services, app.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { sweepExpired, sweepOrphans, scheduleCleanup } from './core/cleanup.js';
import { systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import { ContentReader } from './core/content-reader.js';
import { detectMagic } from './core/detect-type.js';
import { ItemService } from './core/item-service.js';
import { deriveKeyring } from './crypto/keyring.js';
import { prepareDataDir } from './data-dir.js';
import { FsBlobStore } from './storage/fs/fs-blob-store.js';
import { loadOrCreateMasterKey } from './storage/fs/master-key-file.js';
import { openSqliteMetadataStore } from './storage/sqlite/sqlite-metadata-store.js';
import { VERSION } from './version.js';
import { buildAbuseControls } from './security/abuse-controls.js';
import { failClosed } from './security/fail-closed.js';
import { MemoryCounterStore } from './storage/memory/memory-counter-store.js';
import type { CounterStore } from './storage/ports.js';

export const CLEANUP_INTERVAL_MS = 60_000;

export interface Server {
  app: FastifyInstance;
  close(): Promise<void>;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface ServerOverrides {
  clock?: Clock;
  /** A CounterStore other than the in-memory default (tests; the Redis adapter later). */
  counters?: CounterStore;
}

export async function openServer(config: Config, logger: Logger, overrides: ServerOverrides = {}): Promise<Server> {
  const clock = overrides.clock ?? systemClock;
  let dataDir: string;
  try {
    dataDir = await prepareDataDir(config.dataDir);
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  let master: Buffer;
  if (config.masterKey) {
    master = config.masterKey;
  } else {
    try {
      const loaded = await loadOrCreateMasterKey(join(dataDir, 'master.key'));
      if (loaded.created) logger.warn({ path: join(dataDir, 'master.key') }, 'created a new master key file; back it up: without it no stored item can be read');
      master = loaded.key;
    } catch (error) {
      throw new StartupError((error as Error).message);
    }
  }
  const keyring = deriveKeyring(master);
  const metadata = await openSqliteMetadataStore(join(dataDir, 'sealbin.db'));
  // A different master key would make every item unreadable: refuse to start instead of failing every read.
  const check = await metadata.getSetting('master_key_check');
  if (check === null) await metadata.setSetting('master_key_check', keyring.check);
  else if (check !== keyring.check) {
    await metadata.close();
    throw new StartupError('the master key does not match the one this data directory was written with');
  }
  const blobs = new FsBlobStore(join(dataDir, 'blobs'), config.shredPasses);
  await blobs.init();

  const cleanupDeps = { metadata, blobs, clock, onError: (error: unknown) => logger.error({ err: error }, 'cleanup failed') };
  // Before listening, nothing is in flight: temp files and unreferenced blobs are leftovers of a crash.
  const swept = { incomplete: await blobs.sweepIncomplete(), orphans: await sweepOrphans(cleanupDeps), expired: await sweepExpired(cleanupDeps) };
  if (swept.incomplete + swept.orphans + swept.expired > 0) logger.info(swept, 'startup cleanup');

  const items = new ItemService({ metadata, blobs, keyring, clock, limits: config, detectMagic, measureEntropy: config.minEntropy > 0 });
  const reader = new ContentReader(blobs, keyring.wrapKey);
  const counters = overrides.counters ?? new MemoryCounterStore(clock);
  const abuse = buildAbuseControls(config, failClosed(counters, (error) => logger.error({ err: error }, 'counter backend failed')), keyring.powKey, clock);
  const app = await buildApp({ config, clock, items, reader, metadata, blobs, abuse, version: VERSION }, { logger });
  const cleanup = scheduleCleanup(cleanupDeps, CLEANUP_INTERVAL_MS);
  return {
    app,
    close: async () => {
      await app.close();
      await cleanup.stop();
      await metadata.close();
      await counters.close();
    },
  };
}
