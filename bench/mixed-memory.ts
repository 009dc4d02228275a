// Where the mixed load's memory goes over a long run: one fresh Sealbin under rounds of the mixed
// load (bench/mixed.ts), printing after each round its RSS (anonymous and file-backed) beside V8's
// heap and Buffers' external memory from /metrics. A leak keeps climbing round after round; caches,
// V8's young generation and malloc's arenas filling up level off. Not part of `npm run bench`.
//   npx tsx bench/mixed-memory.ts [rounds] [seconds per round]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mixedLoad } from './mixed.js';
import { startSealbin } from './servers.js';

const rounds = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 30);
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** RssAnon and RssFile of a process in MiB, from /proc (Linux). */
function rss(pid: number): { anon: string; file: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { anon: mib(kib('RssAnon') * 1024), file: mib(kib('RssFile') * 1024) };
}

/** V8 heap used and committed, and external memory, in MiB, from the server's default metrics. */
async function heap(origin: string): Promise<string> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (name: string) => mib(Number(new RegExp(`^sealbin_nodejs_${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN));
  return `heap used ${value('heap_size_used_bytes')} / committed ${value('heap_size_total_bytes')}, external ${value('external_memory_bytes')}`;
}

const root = mkdtempSync(join(tmpdir(), 'sealbin-mixed-memory-'));
const server = await startSealbin({ dataDir: join(root, 'data'), logFile: join(root, 'sealbin.log'), maxSizeBytes: 100 * 1048576, logLevel: 'info' });
try {
  const start = rss(server.pid);
  console.log(`start: RSS anon ${start.anon} + file ${start.file} MiB, ${await heap(server.origin)}`);
  for (let round = 1; round <= rounds; round++) {
    const figures = await mixedLoad(server, Buffer.alloc(1024, 'a'), { connections: 10, warmupSeconds: 0, durationSeconds: seconds, cores: 2 }, [server.pid]);
    const { non2xx, errors, timeouts } = figures.failures;
    const now = rss(server.pid);
    console.log(`round ${round}: ${figures.totalRequests} requests, ${non2xx + errors + timeouts} failures; RSS anon ${now.anon} + file ${now.file} MiB, ${await heap(server.origin)}`);
  }
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
