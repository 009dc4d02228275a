// How far issue 16's throughput floors are reachable: the bare node:http baseline, the ceiling server
// (bench/ceiling-server.ts: only the work Sealbin may not drop, no framework) and Sealbin, measured
// in rounds with the same load, each figure the median of its rounds (this machine's speed drifts by
// tens of percent from one minute to the next; interleaved rounds share the drift). Not part of
// `npm run bench`; bench/README.md quotes it.
//   npx tsx bench/ceiling.ts (BENCH_DURATION seconds per scenario, default 3; BENCH_ROUNDS, 3;
//   BENCH_CONNECTIONS, 10; CEILING_PARTS=1 adds reads of the ceiling without each piece in turn)
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from './load.js';
import type { LoadRequest } from './load.js';
import { processCpuSeconds } from './proc.js';
import { startBareServer, startCeilingServer, startSealbin } from './servers.js';
import type { RunningServer } from './servers.js';

const durationSeconds = Number(process.env.BENCH_DURATION ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ONE_KIB = Buffer.from('The quick brown fox jumps over the lazy dog. 0123456789\n'.repeat(19).slice(0, 1024), 'utf8');
const PARTS = ['log', 'metric', 'version', 'crypto', 'headers', 'log,metric,version,crypto,headers'];

interface Figure {
  readonly perSecond: number;
  readonly cpuMicros: number;
}

// Servers still running, stopped if this run is (a CI smoke test's timeout), not left behind.
const running = new Set<RunningServer>();
process.once('SIGTERM', () => {
  void Promise.allSettled([...running].map((server) => server.stop())).finally(() => process.exit(143));
});
function tracked(server: RunningServer): RunningServer {
  running.add(server);
  return { ...server, death: () => server.death(), stop: () => server.stop().finally(() => running.delete(server)) };
}

async function run(server: RunningServer, request: LoadRequest): Promise<Figure> {
  await measure(request, { connections, durationSeconds: 1, warmupSeconds: 0 });
  const before = processCpuSeconds(server.pid);
  const figures = await measure(request, { connections, durationSeconds, warmupSeconds: 0 });
  const failed = figures.failures.non2xx + figures.failures.errors + figures.failures.timeouts;
  if (failed > 0) throw new Error(`${server.name}: failed requests ${JSON.stringify(figures.failures)} of ${figures.totalRequests}${server.death() === undefined ? '' : `\n${server.death()}`}`);
  return { perSecond: figures.requestsPerSecond, cpuMicros: ((processCpuSeconds(server.pid) - before) * 1e6) / figures.totalRequests };
}

/** Reads of one stored 1 KiB item, then (unless `readOnly`) its metadata and durable 1 KiB creates. */
async function scenarios(server: RunningServer, readOnly = false): Promise<{ read: Figure; metadata?: Figure; create?: Figure }> {
  try {
    const created = await fetch(`${server.origin}/`, { method: 'POST', body: ONE_KIB, headers: { 'content-type': 'text/plain' } });
    if (created.status !== 201) throw new Error(`${server.name}: create answered ${created.status}`);
    const { id } = (await created.json()) as { id: string };
    // Both must serve the very bytes stored, or the comparison says nothing.
    const served = Buffer.from(await (await fetch(`${server.origin}/${id}/raw`)).arrayBuffer());
    if (!served.equals(ONE_KIB)) throw new Error(`${server.name}: GET /{id}/raw did not answer the stored content`);
    const described = (await (await fetch(`${server.origin}/${id}`)).json()) as { id: string; size: number };
    if (described.id !== id || described.size !== ONE_KIB.length) throw new Error(`${server.name}: GET /{id} did not describe the item`);
    const read = await run(server, { url: `${server.origin}/${id}/raw`, method: 'GET' });
    if (readOnly) return { read };
    const metadata = await run(server, { url: `${server.origin}/${id}`, method: 'GET' });
    return { read, metadata, create: await run(server, { url: `${server.origin}/`, method: 'POST', body: ONE_KIB, headers: { 'content-type': 'text/plain' } }) };
  } finally {
    await server.stop();
  }
}

const root = await mkdtemp(join(tmpdir(), 'sealbin-ceiling-'));
try {
  // The ceiling writes into a database of Sealbin's own schema: Sealbin creates it, then stops.
  const schemaDir = join(root, 'schema');
  await (await startSealbin({ dataDir: schemaDir, logFile: join(root, 'schema.log'), maxSizeBytes: 1024 * 1024, logLevel: 'info', name: 'schema' })).stop();
  const figures = new Map<string, Figure[]>();
  const keep = (name: string, figure: Figure | undefined) => {
    if (figure) figures.set(name, [...(figures.get(name) ?? []), figure]);
  };
  // A directory per process: a start reads the first address its log names.
  const dir = () => mkdtemp(join(root, 'run-'));
  // A copy of the empty schema per ceiling process, as Sealbin gets a fresh data dir: neither creates
  // into a table the runs before it have grown.
  const ceilingServer = async (without = ''): Promise<RunningServer> => {
    const runDir = await dir();
    for (const name of ['sealbin.db', 'sealbin.db-wal']) if (existsSync(join(schemaDir, name))) await copyFile(join(schemaDir, name), join(runDir, name));
    return tracked(await startCeilingServer(runDir, join(runDir, 'sealbin.db'), without));
  };
  for (let round = 0; round < rounds; round += 1) {
    const bare = tracked(await startBareServer(await dir()));
    try {
      keep('bare GET', await run(bare, { url: `${bare.origin}/`, method: 'GET' }));
      keep('bare POST', await run(bare, { url: `${bare.origin}/`, method: 'POST', body: ONE_KIB }));
    } finally {
      await bare.stop();
    }
    const ceiling = await scenarios(await ceilingServer());
    keep('ceiling GET /{id}/raw', ceiling.read);
    keep('ceiling GET /{id} (metadata)', ceiling.metadata);
    keep('ceiling POST', ceiling.create);
    const sealbin = await scenarios(tracked(await startSealbin({ dataDir: join(await dir(), 'data'), logFile: join(root, `sealbin-${round}.log`), maxSizeBytes: 1024 * 1024, logLevel: 'info' })));
    keep('Sealbin GET /{id}/raw', sealbin.read);
    keep('Sealbin GET /{id} (metadata)', sealbin.metadata);
    keep('Sealbin POST', sealbin.create);
    if (process.env.CEILING_PARTS === '1') {
      for (const part of PARTS) keep(`ceiling GET /{id}/raw without ${part}`, (await scenarios(await ceilingServer(part), true)).read);
    }
  }

  const median = (values: readonly number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length % 2 === 1 ? (sorted[(sorted.length - 1) / 2] as number) : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  };
  const summary = (name: string) => {
    const list = figures.get(name) ?? [];
    return { perSecond: median(list.map((figure) => figure.perSecond)), cpuMicros: median(list.map((figure) => figure.cpuMicros)), cpuAll: list.map((figure) => figure.cpuMicros.toFixed(0)).join(', ') };
  };
  console.log(`${rounds} rounds of ${durationSeconds} s per scenario, ${connections} connections; medians, ratios against the bare server's median\n`);
  for (const [name, base] of [...figures.keys()].map((key) => [key, key.endsWith('POST') ? 'bare POST' : 'bare GET'] as const)) {
    const figure = summary(name);
    const ratio = (100 * figure.perSecond) / summary(base).perSecond;
    console.log(`${name.padEnd(56)} ${String(Math.round(figure.perSecond)).padStart(7)} req/s ${figure.cpuMicros.toFixed(0).padStart(5)} µs CPU/req (${figure.cpuAll}) ${ratio.toFixed(0).padStart(4)}% of ${base}`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
