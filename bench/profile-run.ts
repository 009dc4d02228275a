// One scenario against one profiled Sealbin process, for the breakdowns in bench/README.md:
// `npx tsx bench/profile-run.ts create|read|meta|upload|download [seconds|MiB]` writes a .cpuprofile into
// BENCH_CPU_PROF (default: a fresh temp dir) and prints where; summarise it with bench/profile-summary.ts.
// Profiling costs CPU itself: read the shares, not the speed.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from './load.js';
import { processCpuSeconds } from './proc.js';
import { startSealbin } from './servers.js';
import { download, upload } from './stream.js';

const MiB = 1024 * 1024;
const ONE_KIB = Buffer.from('The quick brown fox jumps over the lazy dog. 0123456789\n'.repeat(19).slice(0, 1024), 'utf8');
const [scenario = 'create', amount] = process.argv.slice(2);
const profileDir = process.env.BENCH_CPU_PROF || (await mkdtemp(join(tmpdir(), 'sealbin-prof-')));
process.env.BENCH_CPU_PROF = profileDir;
const root = await mkdtemp(join(tmpdir(), 'sealbin-profile-run-'));
const server = await startSealbin({ dataDir: join(root, 'data'), logFile: join(root, 'sealbin.log'), maxSizeBytes: 2048 * MiB, logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' });
const micros = () => Number(process.hrtime.bigint() / 1000n);
const startMicros = micros();
try {
  const cpu = processCpuSeconds(server.pid);
  if (scenario === 'read' || scenario === 'meta') {
    const seconds = Number(amount ?? 10);
    const created = await fetch(`${server.origin}/`, { method: 'POST', body: ONE_KIB, headers: { 'content-type': 'text/plain' } });
    const { id } = (await created.json()) as { id: string };
    const url = scenario === 'read' ? `${server.origin}/${id}/raw` : `${server.origin}/${id}`;
    const before = processCpuSeconds(server.pid);
    const figures = await measure({ url, method: 'GET' }, { connections: 10, durationSeconds: seconds, warmupSeconds: 0 });
    const used = processCpuSeconds(server.pid) - before;
    console.log(`${figures.totalRequests} ${scenario}s, ${Math.round(figures.requestsPerSecond)}/s, ${((used * 1e6) / figures.totalRequests).toFixed(0)} µs server CPU each (profiled)`);
  } else if (scenario === 'create') {
    const seconds = Number(amount ?? 10);
    const figures = await measure({ url: `${server.origin}/`, method: 'POST', body: ONE_KIB, headers: { 'content-type': 'text/plain' } }, { connections: 10, durationSeconds: seconds, warmupSeconds: 0 });
    const used = processCpuSeconds(server.pid) - cpu;
    console.log(`${figures.totalRequests} creates, ${Math.round(figures.requestsPerSecond)}/s, ${((used * 1e6) / figures.totalRequests).toFixed(0)} µs server CPU each (profiled)`);
  } else {
    const bytes = Number(amount ?? 256) * MiB;
    const up = await upload(server.origin, bytes);
    const afterUp = processCpuSeconds(server.pid);
    console.log(`upload ${(bytes / 1e6 / up.seconds).toFixed(0)} MB/s, ${(bytes / 1e6 / (afterUp - cpu)).toFixed(0)} MB per server CPU s (profiled)`);
    if (scenario === 'download') {
      const down = await download(server.origin, up.value.id, bytes);
      console.log(`download ${(bytes / 1e6 / down.seconds).toFixed(0)} MB/s, ${(bytes / 1e6 / (processCpuSeconds(server.pid) - afterUp)).toFixed(0)} MB per server CPU s (profiled)`);
    }
  }
} finally {
  // The scenario's time window, for profile-summary.ts (same monotonic clock as the profile's).
  await mkdir(profileDir, { recursive: true });
  await writeFile(join(profileDir, 'window.json'), JSON.stringify({ startMicros, endMicros: micros() }));
  await server.stop();
  await rm(root, { recursive: true, force: true });
}
console.log(`profile in ${profileDir}`);
