// `npm run leakcheck`: runs the real server in this process (openServer, as main.ts does) with abuse
// controls off, drives rounds of mixed traffic over real HTTP, forces a full GC between rounds and
// fails when the heap (or the number of open file descriptors) keeps growing after a warm-up.
//   node --expose-gc --import tsx scripts/leakcheck.ts [--warmup 2] [--rounds 5] [--ops 800] [--concurrency 8]
// The client (fetch) shares the heap with the server; both must be steady for the check to pass.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { openServer } from '../src/server.js';

const MiB = 1024 * 1024;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive whole number`);
  return value;
}

const WARMUP_ROUNDS = option('warmup', 2);
const ROUNDS = option('rounds', 5);
const OPS = option('ops', 800);
const CONCURRENCY = option('concurrency', 8);
/** A leak fails the check when the heap grows by more than either bound after warm-up. */
const MAX_GROWTH_BYTES = 20 * MiB;
const MAX_GROWTH_RATIO = 0.3;
const MAX_FD_GROWTH = 32;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('leakcheck: global.gc is missing; run `node --expose-gc --import tsx scripts/leakcheck.ts` (npm run leakcheck)');
  process.exit(2);
}

/** Full, settled collections: weak callbacks and finalizers run between passes. */
async function collect(): Promise<NodeJS.MemoryUsage> {
  for (let pass = 0; pass < 4; pass++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage();
}

const openFds = (): number => {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
};

const text = (bytes: number) => randomBytes(Math.ceil(bytes / 2)).toString('hex').slice(0, bytes);

async function main(): Promise<void> {
  // tmpfs when there is one: fsync costs nothing there, so the rounds measure memory, not the disk.
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'sealbin-leakcheck-'));
  const config = loadConfig({
    SEALBIN_DATA_DIR: dataDir,
    SEALBIN_HOST: '127.0.0.1',
    SEALBIN_PORT: '0',
    SEALBIN_LOG_LEVEL: 'silent',
    SEALBIN_POW_DIFFICULTY: '0',
    SEALBIN_RATE_CREATE: 'off',
    SEALBIN_RATE_READ: 'off',
    SEALBIN_RATE_HEALTH: 'off',
    SEALBIN_BRUTE_MAX: '0',
    SEALBIN_DEDUP_MAX: '0',
  });
  const server = await openServer(config, pino({ level: 'silent' }));
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const base = `http://127.0.0.1:${address.port}`;

  const counts = new Map<string, number>();
  const failures: string[] = [];
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

  /** One request; the body is always consumed, so the client keeps nothing alive. */
  async function call(label: string, path: string, init: RequestInit, expected: number[]): Promise<{ status: number; body: Buffer; headers: Headers }> {
    const response = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
    const body = Buffer.from(await response.arrayBuffer());
    count(label);
    if (!expected.includes(response.status) && failures.length < 20) failures.push(`${label}: ${init.method ?? 'GET'} ${path} -> ${response.status} ${body.toString('utf8', 0, 200)}`);
    return { status: response.status, body, headers: response.headers };
  }
  const json = (body: Buffer) => JSON.parse(body.toString('utf8')) as Record<string, unknown>;

  /** One mixed scenario; each touches a different part of the server, and cleans up after itself. */
  const scenarios: (() => Promise<void>)[] = [
    async () => {
      // small paste: create, metadata, raw, head, range, delete, then 404
      const created = await call('create-small', '/', { method: 'POST', body: text(200 + Math.floor(Math.random() * 2000)), headers: { 'content-type': 'text/plain' } }, [201]);
      if (created.status !== 201) return;
      const { id, delete_token: token } = json(created.body) as { id: string; delete_token: string };
      await call('metadata', `/${id}`, {}, [200]);
      await call('raw', `/${id}/raw`, {}, [200]);
      await call('head', `/${id}/raw`, { method: 'HEAD' }, [200]);
      await call('range', `/${id}/raw`, { headers: { range: 'bytes=0-99' } }, [206]);
      await call('delete', `/${id}`, { method: 'DELETE', headers: { 'x-delete-token': token } }, [204]);
      await call('404-deleted', `/${id}/raw`, {}, [404]);
    },
    async () => {
      // large paste (blob store, streamed verification beyond 1 MiB), read whole and partly, delete
      const size = Math.random() < 0.25 ? 1536 * 1024 : 200 * 1024;
      const created = await call('create-large', '/', { method: 'POST', body: randomBytes(size), headers: { 'content-type': 'application/octet-stream', 'x-expiry': '3600' } }, [201]);
      if (created.status !== 201) return;
      const { id, delete_token: token } = json(created.body) as { id: string; delete_token: string };
      await call('raw-large', `/${id}/raw`, {}, [200]);
      await call('range-large', `/${id}/raw`, { headers: { range: `bytes=${size - 1000}-` } }, [206]);
      await call('delete-large', `/${id}`, { method: 'DELETE', headers: { 'x-delete-token': token } }, [204]);
    },
    async () => {
      // JSON create with burn-after-read: the first raw read burns, the second is 404
      const created = await call('create-json-burn', '/', { method: 'POST', body: JSON.stringify({ content: text(500) }), headers: { 'content-type': 'application/json', 'x-burn-after-read': '1' } }, [201]);
      if (created.status !== 201) return;
      const { id } = json(created.body) as { id: string };
      await call('burn', `/${id}/raw`, {}, [200]);
      await call('404-burned', `/${id}/raw`, {}, [404]);
    },
    async () => {
      // file share: multipart upload, status, preview, download, delete
      const form = new FormData();
      form.append('file', new Blob([text(3000)], { type: 'text/plain' }), 'notes.txt');
      const created = await call('upload', '/upload', { method: 'POST', body: form }, [201]);
      if (created.status !== 201) return;
      const { id, key, delete_token: token } = json(created.body) as { id: string; key: string; delete_token: string };
      await call('status', `/status/${key}`, {}, [200]);
      await call('preview', `/preview/${key}`, {}, [200]);
      await call('download', `/download/${key}`, {}, [200]);
      await call('delete-upload', `/${id}`, { method: 'DELETE', headers: { 'x-delete-token': token } }, [204]);
    },
    async () => {
      // short link: create, redirect, info (short links have no delete token: they expire)
      const created = await call('shorten', '/s', { method: 'POST', body: JSON.stringify({ url: `https://example.org/${text(40)}` }), headers: { 'content-type': 'application/json', 'x-expiry': '60' } }, [201]);
      if (created.status !== 201) return;
      const { id } = json(created.body) as { id: string };
      await call('redirect', `/s/${id}`, {}, [302]);
      await call('short-info', `/s/${id}/info`, {}, [200]);
    },
    async () => {
      // misses and errors: unknown ids, malformed ids, unknown routes, bad input, empty body
      await call('404-id', `/${randomBytes(16).toString('hex')}`, {}, [404]);
      await call('404-malformed', '/not-an-id/raw', {}, [404]);
      await call('404-key', '/download/alpha-bravo-charlie-delta-echo-foxtrot', {}, [404]);
      await call('404-route', `/no/such/${text(8)}`, {}, [404]);
      await call('400-expiry', '/', { method: 'POST', body: 'x', headers: { 'x-expiry': 'soon' } }, [400]);
      await call('400-empty', '/', { method: 'POST', body: '' }, [400]);
      await call('400-json', '/', { method: 'POST', body: '{"content":', headers: { 'content-type': 'application/json' } }, [400]);
    },
    async () => {
      // operations endpoints
      await call('info', '/', {}, [200]);
      await call('health', '/health', {}, [200]);
      await call('challenge', '/challenge', {}, [200]);
    },
  ];

  async function round(): Promise<number> {
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < OPS) {
        const scenario = scenarios[next++ % scenarios.length] as () => Promise<void>;
        await scenario();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return Date.now() - started;
  }

  const fmt = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  const started = Date.now();
  console.log(`leakcheck: ${WARMUP_ROUNDS} warm-up + ${ROUNDS} measured rounds of ${OPS} scenarios (${CONCURRENCY} at a time) against ${base}`);
  const initial = await collect();
  console.log(`start      heapUsed ${fmt(initial.heapUsed)}  rss ${fmt(initial.rss)}  fds ${openFds()}`);
  let baseline = initial;
  let baselineFds = openFds();
  const heaps: number[] = [];
  let lastFds = baselineFds;
  for (let index = 1; index <= WARMUP_ROUNDS + ROUNDS; index++) {
    const ms = await round();
    const memory = await collect();
    const fds = openFds();
    const warm = index <= WARMUP_ROUNDS;
    console.log(`${warm ? 'warm-up' : 'round  '} ${String(index - (warm ? 0 : WARMUP_ROUNDS)).padStart(2)}  heapUsed ${fmt(memory.heapUsed)}  rss ${fmt(memory.rss)}  external ${fmt(memory.external)}  fds ${fds}  (${ms} ms)`);
    if (index === WARMUP_ROUNDS) {
      baseline = memory;
      baselineFds = fds;
    }
    if (!warm) heaps.push(memory.heapUsed);
    lastFds = fds;
  }
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });

  const last = heaps.at(-1) ?? baseline.heapUsed;
  const growth = last - baseline.heapUsed;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nrequests: ${[...counts.values()].reduce((a, b) => a + b, 0)} (${[...counts].map(([name, n]) => `${name} ${n}`).join(', ')})`);
  console.log(`heapUsed after warm-up ${fmt(baseline.heapUsed)}, after ${ROUNDS} rounds ${fmt(last)}: ${growth >= 0 ? '+' : ''}${fmt(growth)} (${((growth / baseline.heapUsed) * 100).toFixed(1)}%); bounds +${fmt(MAX_GROWTH_BYTES)} and +${MAX_GROWTH_RATIO * 100}%`);
  console.log(`open fds after warm-up ${baselineFds}, after the last round ${lastFds}; took ${seconds} s`);

  const problems: string[] = [];
  if (failures.length > 0) problems.push(`unexpected answers:\n  ${failures.join('\n  ')}`);
  if (growth > MAX_GROWTH_BYTES) problems.push(`heap grew by ${fmt(growth)} (> ${fmt(MAX_GROWTH_BYTES)})`);
  if (growth > baseline.heapUsed * MAX_GROWTH_RATIO) problems.push(`heap grew by ${((growth / baseline.heapUsed) * 100).toFixed(1)}% (> ${MAX_GROWTH_RATIO * 100}%)`);
  if (baselineFds >= 0 && lastFds - baselineFds > MAX_FD_GROWTH) problems.push(`open file descriptors grew from ${baselineFds} to ${lastFds}`);
  if (problems.length > 0) {
    console.error(`\nleakcheck FAILED:\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log('leakcheck passed');
}

main().catch((error: unknown) => {
  console.error('leakcheck crashed:', error);
  process.exit(2);
});
