// Issue 12: 30,000 items expiring together froze every request for ~10 s while the sweep deleted them
// one commit at a time. Here the real server sweeps 30,000 expired rows (seeded through the real
// SQLite stores) while a live paste is read at a fixed rate, and the reads sent while the sweep ran
// must keep their p99 under 50 ms. The reads are sent on a timer, not one after another, so a stalled
// server delays every read due meanwhile instead of the single one in flight.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/data-dir.js';
import { openSqliteStores } from '../../src/storage/sqlite/sqlite-stores.js';
import type { ItemRecord } from '../../src/storage/ports.js';
import { createPaste } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import { item } from '../storage/records.js';
import type { LogLine, RunningServer } from '../helpers/server.js';
import { unixSeconds, waitFor } from '../helpers/wait.js';

const ITEMS = 30_000;
const P99_LIMIT_MS = 50;
/** One read every this many ms, whatever the server does. */
const READ_EVERY_MS = 4;

const servers: RunningServer[] = [];
const controls: ChildProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.dispose();
  for (const control of controls.splice(0)) control.kill('SIGKILL');
});

/**
 * A bare node:http server in its own process, read at the same rate as Sealbin: what the machine
 * does to any process's latency meanwhile (other suites, a browser starting) shows in its p99 too,
 * and the bound on Sealbin's p99 grows with it. A sweep that blocks the server shows only in Sealbin's.
 */
async function startControl(body: string): Promise<string> {
  const script = `const s=require('node:http').createServer((q,r)=>r.end(process.env.BODY));s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, BODY: body }, stdio: ['ignore', 'pipe', 'inherit'] });
  controls.push(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const port = await waitFor(() => /^(\d+)\n/.exec(out)?.[1], 'the control server listening');
  return `http://127.0.0.1:${port}/`;
}

/** Rows as the server writes them, already sealed where it seals (never read: they only expire). */
function expiringRow(expiresAt: number): ItemRecord {
  return item({ deleteTokenHash: randomBytes(32).toString('hex'), size: 100, sha256: `sd1:${randomBytes(60).toString('base64url')}`, createdAt: expiresAt - 60, expiresAt, inline: randomBytes(140) });
}

/** Far in the future: rows seeded with it are live until a test moves their expiry. */
const LATER = 4_000_000_000;

/** A data dir holding one live paste (returned) and ITEMS rows expiring at `expiresAt`. */
async function seed(expiresAt: () => number): Promise<{ dataDir: string; rawUrl: (base: string) => string; body: string; emptyStartMs: number }> {
  const started = performance.now();
  const first = await startServer();
  const emptyStartMs = performance.now() - started;
  servers.push(first);
  const body = `live ${randomBytes(16).toString('hex')}`;
  const live = await createPaste(first.url, body, { 'X-Expiry': '86400' });
  expect(await first.stop()).toBe(0);
  const stores = await openSqliteStores(join(first.dataDir, DATABASE_FILE));
  const at = expiresAt();
  // insertItem group-commits: the whole lot is one transaction.
  await Promise.all(Array.from({ length: ITEMS }, () => stores.metadata.insertItem(expiringRow(at))));
  await stores.metadata.close();
  return { dataDir: first.dataDir, rawUrl: (base) => `${base}/${live.id}/raw`, body, emptyStartMs };
}

interface Read {
  sentAt: number;
  ms: number;
  ok: boolean;
}

/** Sends a read every READ_EVERY_MS until stopped; `done` holds the answered ones so far. */
function readAtFixedRate(url: string, body: string): { done: Read[]; stop: () => Promise<Read[]> } {
  const done: Read[] = [];
  const sent: Promise<void>[] = [];
  const one = async (): Promise<void> => {
    const sentAt = Date.now();
    const started = performance.now();
    const ok = await fetch(url).then(
      async (response) => response.status === 200 && (await response.text()) === body,
      () => false,
    );
    done.push({ sentAt, ms: performance.now() - started, ok });
  };
  const timer = setInterval(() => sent.push(one()), READ_EVERY_MS);
  return {
    done,
    stop: async () => {
      clearInterval(timer);
      await Promise.all(sent);
      return done;
    },
  };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** When the server wrote the line (epoch ms; same machine, same clock as the reads). */
const loggedAt = (line: LogLine): number => Date.parse(String(line['time']));

/** The reads sent while the sweep that `line` reports was running (the line is written at its end). */
function duringSweep(reads: Read[], line: LogLine, from = 0): Read[] {
  const end = loggedAt(line);
  const start = Math.max(from, end - Number(line['ms']));
  return reads.filter((read) => read.sentAt >= start && read.sentAt <= end);
}

const sweptAll = (msg: string) => (line: LogLine) => line.msg === msg && Number(line['expired']) >= ITEMS;

describe('expiry sweep of 30,000 items under read load', () => {
  it('a scheduled sweep keeps the p99 of concurrent reads of a live item under 50 ms (plus what the machine adds to a bare server)', async () => {
    // Live while the server starts, however long that takes on a busy machine; expired once it runs.
    const { dataDir, rawUrl, body } = await seed(() => LATER);
    const server = await startServer({ dataDir, env: { SEALBIN_CLEANUP_INTERVAL: '1' } });
    servers.push(server);
    const reader = readAtFixedRate(rawUrl(server.url), body);
    const control = readAtFixedRate(await startControl(body), body);
    let reads: Read[];
    let controlReads: Read[];
    let line: LogLine;
    let checkpointed: number;
    try {
      await waitFor(() => reader.done.length >= 500, 'reads answered before the items expire', { timeoutMs: 30_000 });
      // A second connection to the live database, as another process would open it (WAL mode).
      const db = new BetterSqlite3(join(dataDir, DATABASE_FILE));
      try {
        db.pragma('busy_timeout = 10000');
        // They expire a few seconds from now, not at once: this connection's checkpoint below blocks
        // the server's own writes while it runs (seconds on a loaded disk), and must be over before
        // the sweep it would otherwise be taken for begins (it was once: 1 s stalls, p99 1,000 ms).
        expect(db.prepare('update items set expires_at = ? where expires_at = ?').run(unixSeconds() + 5, LATER).changes).toBe(ITEMS);
        // This mass update is the test's shortcut to 30,000 rows expiring at once (time does that
        // without a write): its WAL is checkpointed here, by its writer, not by the server's next commit.
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
      // Reads sent before this are not counted as the sweep's, should the checkpoint outlast the 5 s.
      checkpointed = Date.now();
      // A stuck-sweep bound, not a speed check (as the start-up one below): 61 s once in CI beside the
      // browser suites, where the sweep rests between batches for as long as the loaded loop needs.
      line = await server.waitForLog(sweptAll('cleanup'), 'the scheduled sweep of every expired row', { timeoutMs: 180_000 });
    } finally {
      reads = await reader.stop();
      controlReads = await control.stop();
    }
    expect(server.logLines().some((l) => l.msg === 'startup cleanup')).toBe(false);
    const during = duringSweep(reads, line, checkpointed);
    const p99 = percentile(
      during.map((r) => r.ms),
      0.99,
    );
    const before = reads.filter((r) => r.sentAt < loggedAt(line) - Number(line['ms'])).map((r) => r.ms);
    console.log(
      `scheduled sweep: ${line['expired']} rows in ${line['ms']} ms; ${during.length} reads during it, p50 ${percentile(during.map((r) => r.ms), 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...during.map((r) => r.ms)).toFixed(1)} ms; ${before.length} reads before it, p50 ${percentile(before, 0.5).toFixed(1)} ms, p99 ${percentile(before, 0.99).toFixed(1)} ms`,
    );
    expect(reads.every((r) => r.ok)).toBe(true);
    // Several hundred reads overlap a sweep that runs for seconds on this machine; fewer would measure nothing.
    expect(during.length).toBeGreaterThanOrEqual(150);
    // 50 ms on a quiet machine. On one whose load leaves this server a fraction of a core a bare
    // node:http server read in the same window misses that too, and a fixed bound would measure the
    // machine, not the sweep: the bound grows with the control's p99 over the same window. A sweep that
    // blocks the event loop (what this guards against) holds Sealbin's reads only, for seconds.
    const controlP99 = percentile(
      duringSweep(controlReads, line, checkpointed).map((r) => r.ms),
      0.99,
    );
    console.log(`control (bare node:http, same window): p99 ${controlP99.toFixed(1)} ms`);
    expect(controlReads.every((r) => r.ok)).toBe(true);
    expect(p99, `p99 of reads during the sweep (before it: p99 ${percentile(before, 0.99).toFixed(1)} ms; bare node:http in the same window: p99 ${controlP99.toFixed(1)} ms)`).toBeLessThan(P99_LIMIT_MS + 3 * controlP99);
    expect((await fetch(`${server.url}/metrics`).then((r) => r.text())).match(/^sealbin_cleanup_removed_total (\d+)/m)?.[1]).toBe(String(ITEMS));
  }, 300_000);

  it('30,000 rows expired at start do not hold back listening, and reads go on while the start-up run removes them', async () => {
    const { dataDir, rawUrl, body, emptyStartMs } = await seed(() => unixSeconds() - 1);
    const started = performance.now();
    const server = await startServer({ dataDir });
    const startMs = performance.now() - started;
    servers.push(server);
    const listening = await waitFor(() => server.logLines().find((l) => String(l.msg).startsWith('sealbin listening')), 'the listening line');
    // The first reads of a fresh process pay for connections and compilation, sweep or not: not measured.
    for (let i = 0; i < 50; i++) expect(await fetch(rawUrl(server.url)).then((r) => r.text())).toBe(body);
    const warm = Date.now();
    const reader = readAtFixedRate(rawUrl(server.url), body);
    const control = readAtFixedRate(await startControl(body), body);
    let reads: Read[];
    let controlReads: Read[];
    let line: LogLine;
    try {
      // A stuck-sweep bound, not a speed check: 8-15 s alone; over 60 s once with three suites on two cores.
      line = await server.waitForLog(sweptAll('startup cleanup'), 'the start-up sweep of every expired row', { timeoutMs: 180_000 });
    } finally {
      reads = await reader.stop();
      controlReads = await control.stop();
    }
    // The server answered before the sweep was over: the start did not wait for it (before issue 12's
    // fix it swept first, ~10 s for 30,000 rows, and listened after).
    expect(loggedAt(listening)).toBeLessThan(loggedAt(line));
    const during = duringSweep(reads, line, warm);
    const p99 = percentile(
      during.map((r) => r.ms),
      0.99,
    );
    console.log(`start-up sweep: ${line['expired']} rows in ${line['ms']} ms; process start to listening ${startMs.toFixed(0)} ms (${emptyStartMs.toFixed(0)} ms for the same data dir without them); ${during.length} reads during the sweep, p50 ${percentile(during.map((r) => r.ms), 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    expect(reads.every((r) => r.ok)).toBe(true);
    expect(during.length).toBeGreaterThanOrEqual(50);
    // A process seconds old is still compiling and collecting its start-up garbage: a looser bound
    // than the scheduled sweep's, still far below the multi-second freeze this replaces, and like it
    // grown by what a bare node:http server read in the same window misses (a loaded machine: p99
    // 508 ms once at load ~10 on Node 24, while the scheduled sweep's control read 115 ms).
    const controlP99 = percentile(
      duringSweep(controlReads, line, warm).map((r) => r.ms),
      0.99,
    );
    console.log(`control (bare node:http, same window): p99 ${controlP99.toFixed(1)} ms`);
    expect(controlReads.every((r) => r.ok)).toBe(true);
    expect(p99, `p99 of reads during the start-up sweep (bare node:http in the same window: p99 ${controlP99.toFixed(1)} ms)`).toBeLessThan(2 * P99_LIMIT_MS + 6 * controlP99);
  }, 300_000);
});
