// The `sealbin` server entry: configuration from the environment, listen, and a clean shutdown.
import { ConfigError, loadConfig } from './config.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { prepareDataDir } from './data-dir.js';
import { KeyError, loadMasterKeys } from './ops/master-keys.js';
import { rotateMasterKey } from './ops/rotate-master-key.js';
import { issueServerCert, parseIssueServerCertArgs } from './ops/issue-server-cert.js';
import { openServer, StartupError } from './server.js';
import type { Server } from './server.js';
import { openStorage } from './storage/open-storage.js';

/** Startup failures are one line on stderr and a non-zero exit, never a stack trace. */
function fail(message: string): never {
  console.error(`sealbin: ${message}`);
  process.exit(2);
}

/** The configuration from the environment, or a one-line refusal. */
function configOrFail(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
}

async function main(): Promise<void> {
  // Files we create (database, key, blobs) are private to the service user.
  process.umask(0o077);
  const config = configOrFail();
  const logger = createLogger(config.logLevel);
  // A stop requested while we are still opening stores is honoured as soon as there is a server to drain.
  let early: string | null = null;
  const remember = (signal: string) => () => {
    early ??= signal;
  };
  process.once('SIGTERM', remember('SIGTERM'));
  process.once('SIGINT', remember('SIGINT'));
  let server;
  try {
    server = await openServer(config, logger);
  } catch (error) {
    if (error instanceof StartupError) fail(error.message);
    throw error;
  }
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  const stop = installSignals(server, config, logger);
  if (early) stop(early);
  try {
    const prefix = config.urlPrefix;
    await server.app.listen({ host: config.host, port: config.port, listenTextResolver: (at) => `sealbin listening on ${at}${prefix}/` });
  } catch (error) {
    fail(`cannot listen on ${config.host}:${config.port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * SIGTERM/SIGINT: new requests get 503 while the ones in flight finish, for at most
 * SEALBIN_SHUTDOWN_TIMEOUT seconds; then whatever is left is cut, the stores are closed (flushing what
 * they hold) and the process exits 0. Returns the stop function.
 */
function installSignals(server: Server, config: Config, logger: ReturnType<typeof createLogger>): (signal: string) => void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { drain } = server.app;
    drain.start();
    logger.info({ signal, timeout_s: config.shutdownTimeout }, 'draining in-flight requests');
    // One stalled client must not hold the stop for ever (nor past the supervisor's kill): bounded.
    const bound = setTimeout(() => {
      logger.warn({ ...drain.cut(), timeout_s: config.shutdownTimeout }, 'shutdown timeout: cut the remaining connections');
    }, config.shutdownTimeout * 1000);
    drain
      .idle()
      .then(() => server.close())
      .then(
        () => {
          clearTimeout(bound);
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return stop;
}

/** `sealbin rotate-master-key`: same environment as the server, plus SEALBIN_MASTER_KEY_PREVIOUS. */
async function rotate(): Promise<void> {
  const config = configOrFail();
  const logger = createLogger(config.logLevel);
  const dataDir = await prepareDataDir(config.dataDir).catch((error: Error) => fail(error.message));
  const keys = await loadMasterKeys(config, dataDir, logger).catch((error: Error) => fail(error.message));
  const { stores } = await openStorage(config, dataDir, logger).catch((error: Error) => fail(error.message));
  try {
    const report = await rotateMasterKey(keys, stores, logger);
    logger.info(report, 'master key rotation finished');
    if (report.skipped > 0) fail(`${report.skipped} item keys open with neither key; the check value was left unchanged`);
  } catch (error) {
    if (error instanceof KeyError) fail(error.message);
    throw error;
  } finally {
    await stores.metadata.close();
  }
}

/** An IPv6 address needs brackets in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `sealbin issue-server-cert --host NAME... --out DIR`: TLS for the server from its own CA. */
async function issueCert(args: string[]): Promise<void> {
  let options;
  try {
    options = parseIssueServerCertArgs(args);
  } catch (error) {
    fail((error as Error).message);
  }
  process.umask(0o077);
  const config = configOrFail();
  const logger = createLogger(config.logLevel);
  const report = await issueServerCert(config, logger, options);
  const lines = [
    ...(report.caCreated ? [`created the CA "${options.caName}"`] : []),
    `server certificate for ${options.hosts.join(', ')} (valid until ${report.notAfter.toISOString().slice(0, 10)}, SHA-256 ${report.fingerprint})`,
    `  ${report.certPath}`,
    `  ${report.keyPath} (private, mode 0600)`,
    `CA certificate for clients: ${report.caPath} (also served at GET /pki/ca.crt)`,
    'start the server with:',
    `  SEALBIN_TLS_CERT=${report.certPath} SEALBIN_TLS_KEY=${report.keyPath}`,
    'and let fpaste trust it with:',
    `  fpaste --server https://${urlHost(options.hosts[0] as string)}:PORT --ca ${report.caPath} register --configure`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `sealbin migrate`: the configured database's schema up to date, then exit. */
async function migrateCommand(): Promise<void> {
  const config = configOrFail();
  const logger = createLogger(config.logLevel);
  // Loaded only for the command: the server itself never needs these modules at start.
  const { migrate } = await import('./ops/migrate.js');
  process.stdout.write(`${await migrate(config, logger)}\n`);
}

/** `sealbin export-to --database-url postgres://...`: copy the SQLite data dir into a new PostgreSQL database. */
async function exportToCommand(args: string[]): Promise<void> {
  process.umask(0o077);
  const config = configOrFail();
  const logger = createLogger(config.logLevel);
  const { exportToDatabase } = await import('./ops/export-to-command.js');
  const lines = await exportToDatabase(config, logger, args).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
  process.stdout.write(`${lines.join('\n')}\n`);
}

const command = process.argv[2];
if (command === undefined) {
  main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
} else if (command === 'rotate-master-key') {
  rotate().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
} else if (command === 'issue-server-cert') {
  issueCert(process.argv.slice(3)).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
} else if (command === 'migrate') {
  migrateCommand().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
} else if (command === 'export-to') {
  exportToCommand(process.argv.slice(3)).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
} else {
  fail(`unknown command "${command}" (commands: migrate, export-to, rotate-master-key, issue-server-cert; no command starts the server)`);
}
