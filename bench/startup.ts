// Start-up with many items stored: from spawning `node dist/main.js` to the first answered request
// (a GET /{id} of a stored item answered 200), against the same with a data dir of one item. A few
// hundred items are made by the real server code in this process (openServer + inject: encrypted,
// sealed, committed); the rest are copies of one of those rows under new random ids, made in one SQL
// statement (start-up reads no item's content, so copies cost it what real items would, and filling
// 100,000 through the create path would take minutes of the run).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openServer } from '../src/server.js';
import { repoRoot } from './servers.js';

/** Settings of the store-filling server and of the timed ones: abuse controls off, as in the rest of the bench. */
const ENV = {
  SEALBIN_HOST: '127.0.0.1',
  SEALBIN_POW_DIFFICULTY: '0',
  SEALBIN_RATE_CREATE: 'off',
  SEALBIN_RATE_READ: 'off',
  SEALBIN_RATE_HEALTH: 'off',
  SEALBIN_BRUTE_MAX: '0',
  SEALBIN_DEDUP_MAX: '0',
  SEALBIN_MIN_FREE_BYTES: '0',
};

/** Items made through the real create path before the rest are copied. */
const REAL_ITEMS = 256;

/** Stores `count` small pastes in `dataDir` (see the top of this file); returns the id of a real one. */
export async function fillDataDir(dataDir: string, count: number): Promise<string> {
  const id = await createItems(dataDir, Math.min(count, REAL_ITEMS));
  if (count > REAL_ITEMS) copyRows(join(dataDir, 'sealbin.db'), id, count - REAL_ITEMS);
  return id;
}

function copyRows(file: string, id: string, copies: number): void {
  const db = new BetterSqlite3(file);
  try {
    const columns = (db.prepare('pragma table_info(items)').all() as { name: string }[]).map((column) => column.name).filter((name) => name !== 'id');
    const list = columns.join(', ');
    db.prepare(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) insert into items (id, ${list}) select lower(hex(randomblob(16))), ${list} from n, (select * from items where id = ?)`).run(copies, id);
  } finally {
    db.close();
  }
}

async function createItems(dataDir: string, count: number): Promise<string> {
  const config = loadConfig({ ...ENV, SEALBIN_DATA_DIR: dataDir, SEALBIN_PORT: '0', SEALBIN_WEB: '0', SEALBIN_LOG_LEVEL: 'error' });
  const server = await openServer(config, createLogger('error', false));
  let last = '';
  try {
    const batch = 256;
    for (let made = 0; made < count; made += batch) {
      // Concurrent creates share a transaction (group commit), which keeps filling fast.
      const answers = await Promise.all(
        Array.from({ length: Math.min(batch, count - made) }, (_, n) => server.app.inject({ method: 'POST', url: '/', payload: `item ${made + n} of ${count}`, headers: { 'content-type': 'text/plain' } })),
      );
      for (const answer of answers) if (answer.statusCode !== 201) throw new Error(`filling the data dir: ${answer.statusCode} ${answer.body}`);
      last = (JSON.parse(answers.at(-1)?.body ?? '{}') as { id: string }).id;
    }
  } finally {
    await server.close();
  }
  return last;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Milliseconds from spawning the server on `dataDir` to the first 200 of `path`; the server is stopped after. */
export async function timeToFirstAnswer(dataDir: string, path: string, logFile: string): Promise<number> {
  const port = await freePort();
  const fd = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(process.execPath, [join(repoRoot, 'dist/main.js')], { env: { ...process.env, ...ENV, SEALBIN_DATA_DIR: dataDir, SEALBIN_PORT: String(port) }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before answering; see ${logFile}`);
      if (performance.now() - started > 30_000) throw new Error(`no answer within 30 s; see ${logFile}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        await response.arrayBuffer();
        if (response.status === 200) return performance.now() - started;
        throw new Error(`${path} answered ${response.status}`);
      } catch (error) {
        if (error instanceof Error && error.message.includes('answered')) throw error;
        // Not listening yet: ask again at once (a few ms of resolution is all this figure needs).
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export interface StartupFigures {
  items: number;
  /** each run's ms from spawn to the first answer: with the items, and with a data dir of one item */
  withItemsMs: number[];
  oneItemMs: number[];
  fillSeconds: number;
}

/** The whole scenario: fill a data dir, then `runs` timed starts with it and as many on one holding a single item. */
export async function measureStartup(root: string, items: number, runs: number): Promise<StartupFigures> {
  const full = join(root, 'data-startup');
  const single = join(root, 'data-startup-one');
  const fillStart = performance.now();
  const id = await fillDataDir(full, items);
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const oneId = await fillDataDir(single, 1);
  const withItemsMs: number[] = [];
  const oneItemMs: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    // Alternated, so both see the same machine.
    withItemsMs.push(await timeToFirstAnswer(full, `/${id}`, join(root, 'sealbin-startup.log')));
    oneItemMs.push(await timeToFirstAnswer(single, `/${oneId}`, join(root, 'sealbin-startup-one.log')));
  }
  return { items, withItemsMs, oneItemMs, fillSeconds };
}
