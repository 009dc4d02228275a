// CPU profile of one read scenario, broken down per request: runs the server from src/ (through tsx,
// so every frame names its source file) under `node --cpu-prof`, loads it with autocannon, and
// prints where the main thread's time went, in µs per request. Not part of `npm run bench` (a profiled
// server is slower); its output is what bench/README.md's breakdown is written from.
//   npx tsx bench/profile.ts [raw|meta] (BENCH_DURATION, BENCH_CONNECTIONS as for the bench)
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile } from './cpu-profile.js';
import { measure } from './load.js';
import { processCpuSeconds } from './proc.js';
import { repoRoot, startSealbin } from './servers.js';

const scenario = process.argv[2] ?? 'raw';
if (scenario !== 'raw' && scenario !== 'meta') throw new Error('scenario is raw or meta');
const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const text = Buffer.from('The quick brown fox jumps over the lazy dog. 0123456789\n'.repeat(19).slice(0, 1024));

/** What the breakdown names, each matched against a frame label (function, source file and line). */
const PARTS: readonly (readonly [string, RegExp, 'self' | 'inclusive'])[] = [
  ['fastify itself: routing, hook runner, reply (self time)', /fastify\/lib\/|find-my-way|fastify\/fastify\.js/, 'self'],
  ['hook: client address (client-info.ts)', /src\/http\/client-info\.ts/, 'inclusive'],
  ['hooks written in app.ts (request id + security headers; storage-fault reset onResponse)', /src\/app\.ts|src\/http\/(request-id|security-headers)\.ts/, 'inclusive'],
  ['hook: drain (drain.ts)', /src\/http\/drain\.ts/, 'inclusive'],
  ['hook: identity (identity.ts)', /src\/http\/identity\.ts/, 'inclusive'],
  ['hook: disk floor (disk-floor.ts)', /src\/http\/disk-floor\.ts/, 'inclusive'],
  ['hook: limits + brute-force onSend (limits.ts)', /src\/http\/limits\.ts/, 'inclusive'],
  ['hook: proof-of-work gate (pow-gate.ts)', /src\/http\/pow-gate\.ts/, 'inclusive'],
  ['hook: web page (routes/web.ts, web-negotiation.ts)', /src\/http\/(routes\/web|web-negotiation)\.ts/, 'inclusive'],
  ['hook: access log (access-log.ts, pino)', /src\/http\/access-log\.ts/, 'inclusive'],
  ['hook: request metrics (prom-client)', /src\/http\/routes\/metrics\.ts/, 'inclusive'],
  ['hooks folded into one pass (request-pass.ts)', /src\/http\/request-pass\.ts/, 'inclusive'],
  ['zod: params validation + response serialisation', / zod\/|fastify-type-provider-zod/, 'inclusive'],
  ['SQLite statement (kysely + better-sqlite3 + row mapping)', /kysely|better-sqlite3|sql-item-store\.ts/, 'inclusive'],
  ['sealed digest + file name opened (AES-GCM)', /sealed-digest-store\.ts|sealed-item-store\.ts/, 'inclusive'],
  ['ETag (HMAC)', /^etag(Of)? /, 'inclusive'],
  ['item key unwrap (cached)', /^itemKey /, 'inclusive'],
  ['decipher (decryptAll, AES-GCM)', /^decryptAll /, 'inclusive'],
  ['content read + SHA-256 check (readWhole, decipher included)', /^readWhole /, 'inclusive'],
  ['content headers (setContentHeaders: type, disposition, ETag)', /^setContentHeaders /, 'inclusive'],
  ['item view (views.ts)', /src\/http\/views\.ts/, 'inclusive'],
  ['socket writes (node:net, stream internals; self time)', /node:net|node:internal\/streams|^writev|^writeGeneric|^writeBuffer|^writeUtf8String/, 'self'],
  ['node:http parser and response (self time)', /node:_http/, 'self'],
  ['garbage collector', /^\(garbage collector\)/, 'self'],
  ['(program): native code outside JS frames', /^\(program\)/, 'self'],
];

const root = await mkdtemp(join(tmpdir(), 'sealbin-profile-'));
const profileDir = join(root, 'profile');
try {
  const server = await startSealbin({
    dataDir: join(root, 'data'),
    logFile: join(root, 'sealbin.log'),
    maxSizeBytes: 1024 * 1024,
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx'],
    entry: join(repoRoot, 'src/main.ts'),
  });
  const created = await fetch(`${server.origin}/`, { method: 'POST', body: text, headers: { 'content-type': 'text/plain' } });
  const { id } = (await created.json()) as { id: string };
  const url = scenario === 'raw' ? `${server.origin}/${id}/raw` : `${server.origin}/${id}`;
  // Warm-up, then the measured window (the profile covers both, and the start: see the note printed).
  await measure({ url, method: 'GET' }, { connections, durationSeconds: 2, warmupSeconds: 0 });
  const cpuStart = processCpuSeconds(server.pid);
  const started = performance.now();
  const figures = await measure({ url, method: 'GET' }, { connections, durationSeconds, warmupSeconds: 0 });
  const ended = performance.now();
  const cpuMicros = ((processCpuSeconds(server.pid) - cpuStart) * 1e6) / figures.totalRequests;
  await server.stop();
  const stopped = performance.now();
  const file = (await readdir(profileDir)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  // The measured window only (the profile ends when the process exits, a moment after stop() returns).
  const summary = summarizeProfile(join(profileDir, file), { fromEndMs: stopped - started, toEndMs: stopped - ended });
  const micros = (share: number) => ((share * summary.sampledSeconds * 1e6) / figures.totalRequests).toFixed(1).padStart(6);
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  console.log(`GET ${scenario === 'raw' ? '/{id}/raw' : '/{id}'}: ${Math.round(figures.requestsPerSecond)} req/s, ${cpuMicros.toFixed(0)} µs server CPU per request (all threads, profiler on)`);
  console.log(`main thread sampled ${summary.sampledSeconds.toFixed(1)} s of the measured window; µs below = share × sampled time ÷ requests (idle included in the total)\n`);
  console.log('inclusive, by part:');
  for (const [name, pattern, mode] of PARTS) {
    const share = mode === 'inclusive' ? summary.inclusive((label) => pattern.test(label)) : summary.self((label) => pattern.test(label));
    if (share > 0) console.log(`${micros(share)} µs ${pct(share)}  ${name}`);
  }
  console.log(`${micros(summary.inclusive((label) => label.startsWith('(idle)')))} µs         idle`);
  console.log('\nself time, by package or file:');
  for (const { label, share } of summary.selfByPackage.slice(0, 20)) console.log(`${micros(share)} µs ${pct(share)}  ${label.replace(repoRoot, '')}`);
  console.log('\nself time, by function:');
  for (const { label, share } of summary.selfByFunction.slice(0, 30)) console.log(`${micros(share)} µs ${pct(share)}  ${label.replace(repoRoot, '')}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
