// Opens everything the server needs from a Config: data dir, master key, stores, services, app.
import { readFile } from 'node:fs/promises';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { join } from 'node:path';
import { constants as cryptoConstants } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { proxyTrustWarning } from './http/client-info.js';
import type { Config } from './config.js';
import { scheduleCleanup } from './core/cleanup.js';
import type { CleanupRun } from './core/cleanup.js';
import { systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import { ContentReader } from './core/content-reader.js';
import { detectMagic } from './core/detect-type.js';
import { ItemService } from './core/item-service.js';
import { ResumableUploads } from './core/resumable-uploads.js';
import { DigestSeal } from './crypto/digest-seal.js';
import type { Keyring } from './crypto/keyring.js';
import { readKeys } from './crypto/keyring.js';
import { KeyError, loadMasterKeys, openKeyring } from './ops/master-keys.js';
import type { MasterKeys } from './ops/master-keys.js';
import { prepareDataDir } from './data-dir.js';
import { AuditFile } from './storage/fs/audit-file.js';
import { AuditTrail } from './storage/audit-trail.js';
import { CA_POLL_MS, watchForCa } from './ops/ca-watch.js';
import type { CaWatch } from './ops/ca-watch.js';
import { PkiService, pkiLibraries } from './core/pki-service.js';
import { ShortLinkService } from './core/short-link-service.js';
import { DownloadTally } from './core/download-tally.js';
import { Metrics } from './ops/metrics.js';
import { openDiskSpace } from './ops/disk-space.js';
import type { X509Certificate } from '@peculiar/x509';
import { StorageOpenError, openStorage, openUploadLocks } from './storage/open-storage.js';
import type { OpenedStorage } from './storage/open-storage.js';
import { SealedDigestStore } from './storage/sealed-digest-store.js';
import { sealLegacyDigests } from './ops/seal-legacy-digests.js';
import { SealedItemStore } from './storage/sealed/sealed-item-store.js';
import { SealedShortLinkStore } from './storage/sealed/sealed-short-link-store.js';
import { sealExistingFields } from './storage/sealed/seal-existing-fields.js';
import { VERSION } from './version.js';
import { buildAbuseControls } from './security/abuse-controls.js';
import { failClosed } from './security/fail-closed.js';
import { MemoryCounterStore } from './storage/memory/memory-counter-store.js';
import { openCounters } from './storage/open-counters.js';
import type { CounterStore, UploadLocker } from './storage/ports.js';

/** Crash leftovers (old .part files, blobs without a row) are swept on every this-many-th cleanup run. */
export const LEFTOVERS_EVERY = 10;

export interface Server {
  app: FastifyInstance;
  close(): Promise<void>;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface ServerOverrides {
  clock?: Clock;
  /** A CounterStore other than the configured one (tests). */
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
  let keys: MasterKeys;
  try {
    keys = await loadMasterKeys(config, dataDir, logger);
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  let storage: OpenedStorage;
  try {
    storage = await openStorage(config, dataDir, logger);
  } catch (error) {
    if (error instanceof StorageOpenError) throw new StartupError(error.message);
    throw error;
  }
  const { stores, blobs } = storage;
  logger.info({ storage: storage.describe }, 'storage opened');
  let keyring: Keyring;
  try {
    keyring = await openKeyring(keys, stores.metadata, logger);
  } catch (error) {
    await stores.metadata.close();
    if (error instanceof KeyError) throw new StartupError(error.message);
    throw error;
  }
  const digests = new DigestSeal(keyring.digestKey);
  const sealed = await sealLegacyDigests(stores.keys, digests);
  if (sealed > 0) logger.info({ sealed }, 'sealed the plain content digests of an older database');
  // File names and link targets can be secrets themselves: sealed at rest like content (docs/security.md).
  const sealedNow = await sealExistingFields(stores.metadata, stores.fields, keyring.metadataKey);
  if (sealedNow > 0) logger.info({ sealed: sealedNow }, 'sealed file names and link targets stored in clear by an earlier version');
  // Two independent wrappers: content digests sealed under the digest key, names under the metadata key.
  const metadata = new SealedDigestStore(new SealedItemStore(stores.metadata, keyring.metadataKey), digests);
  const linkStore = new SealedShortLinkStore(stores.links, keyring.metadataKey);
  // Free space is measured where this instance writes: the data dir and a filesystem blob dir. Blobs in
  // PostgreSQL live on the database server's disk, which its own monitoring watches.
  const blobDir = config.blobDir ?? (config.databaseUrl ? dataDir : join(dataDir, 'blobs'));
  const disk = await openDiskSpace(dataDir, blobDir, config.minFreeBytes, logger);

  const metrics = new Metrics();
  metrics.watchDisk(disk.guard);
  // Partial tus uploads: this data dir on SQLite, PostgreSQL otherwise (docs/architecture.md, "Resumable uploads").
  let uploadLocks: UploadLocker;
  try {
    uploadLocks = await openUploadLocks(config, logger);
  } catch (error) {
    await stores.metadata.close();
    if (error instanceof StorageOpenError) throw new StartupError(error.message);
    throw error;
  }
  const uploads = new ResumableUploads({ store: storage.partials, locks: uploadLocks, keyring, clock, maxSize: config.maxSize, expirySeconds: config.tusExpiry });
  const cleanupDeps = {
    metadata,
    partials: uploads,
    blobs,
    links: linkStore,
    clock,
    onError: (error: unknown) => logger.error({ err: error }, 'cleanup failed'),
    onRun: (run: CleanupRun) => {
      metrics.cleanupRuns.inc();
      metrics.cleanupRemoved.inc(run.expired);
      const { startup, ...counts } = run;
      if (run.expired + run.incomplete + run.orphans > 0) logger.info(counts, startup ? 'startup cleanup' : 'cleanup');
    },
  };

  const tally = new DownloadTally(metadata, (error) => logger.error({ err: error }, 'writing download counts failed'));
  const reader = new ContentReader(blobs, readKeys(keyring));
  const items = new ItemService({ metadata, blobs, keyring, clock, limits: config, detectMagic, measureEntropy: config.minEntropy > 0, tally, onRemoved: (id) => reader.forget(id), reserve: disk.reserve });
  // Redis key names are keyed by the root secret, which every instance sharing the database shares.
  const counters = failClosed(overrides.counters ?? (await openCounters(config, clock, logger, keyring.digestKey)), (error) => logger.error({ err: error }, 'counter backend failed: limited endpoints answer 503 until it is back'), {
    healthFallback: new MemoryCounterStore(clock),
    onRecovery: () => logger.info('counter backend answers again'),
  });
  const abuse = buildAbuseControls(config, counters, keyring, clock);
  abuse.onRateLimited = (group) => metrics.rateLimited.inc({ group });
  abuse.brute.onBlock = (action) => metrics.bruteBlocks.inc({ action });
  const auditFile = new AuditFile(config.auditLog ?? join(dataDir, 'audit.log'), clock);
  const audit = new AuditTrail(auditFile, stores.audit, clock);
  const trustedCas = config.trustedCaFile ? await readTrustedCas(config.trustedCaFile) : [];
  const pki = new PkiService({ store: stores.pki, audit, wrapKey: keyring.wrapKey, previousWrapKeys: keyring.previousWrapKeys, clock, admins: new Set(config.admins), trustedCas });
  const https = config.tlsCert && config.tlsKey ? await tlsOptions(config.tlsCert, config.tlsKey, pki, trustedCas) : undefined;
  pki.onAudit = (event) => {
    if (event.event === 'issued') metrics.certificatesIssued.inc({ source: 'issue' });
    if (event.event === 'registered') metrics.certificatesIssued.inc({ source: 'register' });
    if (event.event === 'revoked') metrics.certificatesRevoked.inc();
  };
  const links = new ShortLinkService(linkStore, clock, config);
  const app = await buildApp({ config, clock, items, reader, digests, metadata, blobs, abuse, pki, links, metrics, disk: disk.guard, uploads, version: VERSION }, { logger, https });
  const proxyWarning = proxyTrustWarning(config);
  if (proxyWarning) logger.warn(proxyWarning);
  let caWatch: CaWatch | null = null;
  if (https && config.tlsCert && config.tlsKey) {
    const [certPath, keyPath] = [config.tlsCert, config.tlsKey];
    // The context built above lists the CA if one existed at start; otherwise it is added once, when found.
    let advertised = await pki.caExists();
    const refreshTls = async () => {
      if (advertised) return;
      advertised = true;
      try {
        (app.server as unknown as { setSecureContext(options: HttpsServerOptions): void }).setSecureContext(await tlsOptions(certPath, keyPath, pki, trustedCas));
      } catch (error) {
        advertised = false;
        throw error;
      }
      logger.info('TLS now advertises the built-in CA to clients');
    };
    // A CA created here, or seen in a request's certificate check, is advertised at once; one created
    // by another instance sharing the database is found by the poll (src/ops/ca-watch.ts).
    pki.onCaAvailable = () => refreshTls().catch((error: unknown) => logger.error({ err: error }, 'refreshing the TLS client CA list failed'));
    if (!advertised) caWatch = watchForCa(() => pki.caExists(), refreshTls, CA_POLL_MS, (error) => logger.error({ err: error }, 'looking for a CA made by another instance failed'));
  }
  // The first run starts now, beside listening: items that expired while the server was down are
  // invisible already, and sweeping them in batches must not hold back the start (issue 12).
  const cleanup = scheduleCleanup(cleanupDeps, { intervalMs: config.cleanupInterval * 1000, leftoversEvery: LEFTOVERS_EVERY });
  return {
    app,
    close: async () => {
      caWatch?.stop();
      await app.close();
      await cleanup.stop();
      await uploadLocks.close();
      await tally.close();
      await metadata.close();
      await counters.close();
      await auditFile.close();
    },
  };
}

async function readTrustedCas(path: string): Promise<X509Certificate[]> {
  try {
    const pem = await readFile(path, 'utf8');
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new Error('no PEM certificate in it');
    const { x509 } = await pkiLibraries();
    return blocks.map((block) => new x509.X509Certificate(block));
  } catch (error) {
    throw new StartupError(`SEALBIN_TRUSTED_CA_FILE ${path}: ${(error as Error).message}`);
  }
}

/**
 * TLS terminated in the server: client certificates are requested but optional (anonymous use stays
 * possible) and never rejected at the handshake: every request checks them itself, so a revoked
 * certificate gets a JSON 401 instead of a bare TLS alert. Session tickets are off so that every
 * connection presents its certificate afresh.
 */
async function tlsOptions(certPath: string, keyPath: string, pki: PkiService, trustedCas: readonly X509Certificate[]): Promise<HttpsServerOptions> {
  let cert: Buffer;
  let key: Buffer;
  try {
    [cert, key] = await Promise.all([readFile(certPath), readFile(keyPath)]);
  } catch (error) {
    throw new StartupError(`cannot read the TLS certificate or key (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const ca: string[] = trustedCas.map((c) => c.toString('pem'));
  if (await pki.caExists()) ca.push(await pki.caPem());
  return {
    cert,
    key,
    requestCert: true,
    rejectUnauthorized: false,
    ...(ca.length > 0 ? { ca } : {}),
    minVersion: 'TLSv1.2',
    secureOptions: cryptoConstants.SSL_OP_NO_TICKET,
  };
}
