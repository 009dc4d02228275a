// A throwaway PostgreSQL cluster on its own port, for fault tests that stop and restart the database
// (never the shared one). Made with initdb/pg_ctl as the postgres user; absent tools or not being
// root give a reason to skip instead.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN_DIRS = ['/usr/local/bin', '/usr/lib/postgresql/15/bin'];

function tool(name: string): string | null {
  for (const dir of BIN_DIRS) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** Why a private cluster cannot be made here, or null. */
export function privatePostgresUnavailable(): string | null {
  if (!tool('initdb') || !tool('pg_ctl')) return 'initdb/pg_ctl not found (apt-get install postgresql)';
  if (process.getuid?.() !== 0) return 'a private PostgreSQL cluster is started as the postgres user, which needs root';
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'there is no postgres user';
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  stop: () => void;
  start: () => void;
  /** Stops the cluster and deletes its directory. */
  destroy: () => void;
}

function asPostgres(args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore', timeout: 60_000 });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = mkdtempSync(join(tmpdir(), 'sealbin-pg-'));
  chownSync(root, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const data = join(root, 'data');
  const port = await freePort();
  asPostgres([tool('initdb') as string, '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => asPostgres([tool('pg_ctl') as string, '-D', data, '-o', options, '-l', join(root, 'log'), '-w', 'start']);
  const stop = () => asPostgres([tool('pg_ctl') as string, '-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
