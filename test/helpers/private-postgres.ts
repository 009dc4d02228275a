// A PRIVATE PostgreSQL cluster for one test file, so a test can stop, crash and restart the database
// without touching the shared one on 5432 that other suites (and other engineers) use. The cluster is
// made with initdb and run with pg_ctl as the `postgres` user (PostgreSQL refuses to run as root), in a
// temp dir owned by that user, on a free port of 127.0.0.1 only, with trust auth and fsync on (a crash
// test on a cluster without fsync would prove nothing about durability).
// Needs root (for runuser) and the PostgreSQL binaries; `privatePostgresUnavailable()` names what is
// missing, so a newcomer's run skips with that reason while CI, which has both, runs the test.
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { freePort } from './free-port.js';

/** Where the server tools are: /usr/local/bin symlinks, Debian's PostgreSQL 15, then psql's usual place. */
const BIN_DIRS = ['/usr/local/bin', '/usr/lib/postgresql/15/bin', '/usr/bin'];
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'];
/** pg_ctl's own wait for start/stop; a loaded 2-core machine can need many seconds for recovery. */
const PG_CTL_WAIT_SECONDS = 60;

export type StopMode = 'fast' | 'immediate';

export interface PrivatePostgres {
  readonly port: number;
  /** A connection URL for the cluster's `postgres` database as the trusted `postgres` role. */
  readonly url: string;
  /** The cluster's data directory (inside a temp dir owned by postgres). */
  readonly dataDir: string;
  /** URL of another database on this cluster, e.g. one made with `createDatabase`. */
  urlFor(database: string): string;
  /** Creates an empty database (via psql as the postgres user) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Starts the stopped cluster and waits until it accepts connections (crash recovery included). */
  start(): Promise<void>;
  /** `fast`: a clean shutdown that ends sessions; `immediate`: a crash (no checkpoint, recovery on start). */
  stop(mode?: StopMode): Promise<void>;
  restart(mode?: StopMode): Promise<void>;
  /** Whether the postmaster is up, as `pg_ctl status` sees it. */
  running(): Promise<boolean>;
  /** The server's own log (pg_ctl -l), for failure messages. */
  log(): string;
  /** Stops the cluster (immediate) and deletes its files; safe to call twice. */
  dispose(): Promise<void>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findBin(name: string): string | undefined {
  return BIN_DIRS.map((dir) => join(dir, name)).find(executable);
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    return uid === undefined || gid === undefined ? undefined : { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

/** Why a private cluster cannot be made here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (process.platform !== 'linux') return 'private PostgreSQL clusters need Linux';
  if (process.getuid?.() !== 0) return 'a private PostgreSQL cluster needs root (to run initdb/pg_ctl as the postgres user)';
  if (!RUNUSER.some(executable)) return 'runuser is not installed';
  for (const tool of ['initdb', 'pg_ctl', 'postgres', 'psql']) {
    if (findBin(tool) === undefined) return `${tool} is not installed (looked in ${BIN_DIRS.join(', ')})`;
  }
  if (postgresUser() === undefined) return 'there is no postgres user';
  return null;
}

/** Runs a PostgreSQL tool as the postgres user, in `cwd` (a dir that user can read). */
function asPostgres(tool: string, args: readonly string[], cwd: string, timeoutMs = (PG_CTL_WAIT_SECONDS + 15) * 1000): Promise<{ code: number; output: string }> {
  const runuser = RUNUSER.find(executable) ?? 'runuser';
  const bin = findBin(tool) ?? tool;
  // LC_ALL=C: initdb's locale must exist; PG* variables from the caller must not redirect the tools.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
  return new Promise((resolve) => {
    execFile(runuser, ['-u', 'postgres', '--', bin, ...args], { cwd, env, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}${error !== null && typeof error.code !== 'number' ? String(error) : ''}` });
    });
  });
}

/** Clusters not yet disposed: stopped on process exit too, so a killed test run leaves no postmaster. */
const live = new Set<{ dataDir: string; root: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const cluster of live) {
      const bin = findBin('pg_ctl');
      try {
        if (bin !== undefined) execFileSync(RUNUSER.find(executable) ?? 'runuser', ['-u', 'postgres', '--', bin, '-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'], { cwd: cluster.root, stdio: 'ignore', timeout: 20_000 });
      } catch {
        // already stopped
      }
      rmSync(cluster.root, { recursive: true, force: true });
    }
  });
}

/**
 * Makes and starts a cluster. Throws with the tools' output when it cannot; prefer
 * `usePrivatePostgres()` in tests, which also removes the cluster in afterAll.
 */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const reason = privatePostgresUnavailable();
  if (reason !== null) throw new Error(`cannot make a private PostgreSQL cluster: ${reason}`);
  const owner = postgresUser();
  if (owner === undefined) throw new Error('there is no postgres user');
  const root = mkdtempSync(join(tmpdir(), 'sealbin-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  const logFile = join(root, 'postgres.log');
  const entry = { dataDir, root };
  live.add(entry);
  installExitHook();
  let disposed = false;

  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    if (existsSync(join(dataDir, 'postmaster.pid'))) await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', String(PG_CTL_WAIT_SECONDS), 'stop'], root);
    live.delete(entry);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    // The cluster's files must belong to postgres; 0700 dirs are what initdb and the server insist on.
    chownSync(root, owner.uid, owner.gid);
    mkdirSync(socketDir, { mode: 0o700 });
    chownSync(socketDir, owner.uid, owner.gid);
    // --no-sync only skips initdb's own final flush (the cluster is throwaway); the server runs with fsync on.
    const init = await asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'], root);
    if (init.code !== 0) throw new Error(`initdb failed (${init.code}):\n${init.output}`);

    let port = 0;
    const pgCtl = (args: readonly string[]) => asPostgres('pg_ctl', ['-D', dataDir, ...args], root);
    const start = async (): Promise<void> => {
      const result = await pgCtl(['-l', logFile, '-w', '-t', String(PG_CTL_WAIT_SECONDS), 'start']);
      if (result.code !== 0) throw new Error(`pg_ctl start failed (${result.code}):\n${result.output}\n${readLog()}`);
    };
    const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '(no log)');

    // Another process may take the port between choosing it and binding it: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      appendFileSync(
        join(dataDir, 'postgresql.conf'),
        [
          '',
          '# sealbin test cluster (test/helpers/private-postgres.ts)',
          `port = ${port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${socketDir}'`,
          'fsync = on',
          'synchronous_commit = on',
          'full_page_writes = on',
          'max_connections = 50',
          'shared_buffers = 16MB',
          '',
        ].join('\n'),
      );
      try {
        await start();
        break;
      } catch (error) {
        if (attempt >= 3 || !/could not bind|address already in use/i.test(readLog())) throw error;
      }
    }

    const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
    const stop = async (mode: StopMode = 'fast'): Promise<void> => {
      const result = await pgCtl(['-m', mode, '-w', '-t', String(PG_CTL_WAIT_SECONDS), 'stop']);
      if (result.code !== 0) throw new Error(`pg_ctl stop -m ${mode} failed (${result.code}):\n${result.output}`);
    };
    return {
      port,
      url: urlFor('postgres'),
      dataDir,
      urlFor,
      createDatabase: async (name) => {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
        const result = await asPostgres('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], root);
        if (result.code !== 0) throw new Error(`CREATE DATABASE ${name} failed:\n${result.output}`);
        return urlFor(name);
      },
      start,
      stop,
      restart: async (mode = 'fast') => {
        await stop(mode);
        await start();
      },
      running: async () => (await pgCtl(['status'])).code === 0,
      log: readLog,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * For a test file: `const pg = usePrivatePostgres();` at the top level, then `await pg.ready()` in a
 * beforeAll (or the test). The cluster is removed in afterAll even when a test or the start failed.
 */
export function usePrivatePostgres(): { ready(): Promise<PrivatePostgres> } {
  let cluster: Promise<PrivatePostgres> | undefined;
  afterAll(async () => {
    if (cluster === undefined) return;
    const made = await cluster.catch(() => undefined);
    await made?.dispose();
  });
  return {
    ready: () => (cluster ??= createPrivatePostgres()),
  };
}
