// Proof-of-work solver speed (`npx tsx bench/pow.ts`): hashes per second of each way to search for
// SHA-256(nonce ":" s) with leading zero bits in Node, and of fpaste's solver on all cores.
// BENCH_POW_SECONDS (default 3) sets how long each single-thread method runs.
import { createHash } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { powSearch } from '../src/cli/pow-search.js';
import { measurePowSolver } from './pow-speed.js';

const seconds = Number(process.env['BENCH_POW_SECONDS'] ?? 3);
const nonce = 'a3f1c2d4e5b6978812345678abcdef01'; // the shape the server issues: 32 hex digits
/** Never satisfied, so every method runs the full search loop. */
const IMPOSSIBLE = 64;

interface Figure {
  method: string;
  hashesPerSecond: number;
  /** Per CPU-second: less sensitive to other load on a shared machine. */
  hashesPerCpuSecond: number;
}

function leadingZeroBits(hash: Buffer): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Runs `batch(start, count)` until `seconds` have passed; returns the rate. */
function measure(method: string, batch: (start: number, count: number) => void, size: number): Figure {
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    batch(1_000_000 + done, size);
    done += size;
  }
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { method, hashesPerSecond: done / wall, hashesPerCpuSecond: done / ((used.user + used.system) / 1e6) };
}

const figures: Figure[] = [];

figures.push(
  measure('createHash per try, string concat (naive)', (start, count) => {
    for (let s = start; s < start + count; s++) if (leadingZeroBits(createHash('sha256').update(`${nonce}:${s}`, 'utf8').digest()) >= IMPOSSIBLE) throw new Error('unreachable');
  }, 20_000),
);

const prefixHash = createHash('sha256').update(`${nonce}:`);
figures.push(
  measure('createHash prefix state .copy() per try', (start, count) => {
    for (let s = start; s < start + count; s++) if (leadingZeroBits(prefixHash.copy().update(String(s)).digest()) >= IMPOSSIBLE) throw new Error('unreachable');
  }, 20_000),
);

const message = Buffer.alloc(64);
const prefixLength = message.write(`${nonce}:`, 'latin1');
figures.push(
  measure('createHash over a preallocated ASCII buffer', (start, count) => {
    for (let s = start; s < start + count; s++) {
      const length = prefixLength + message.write(String(s), prefixLength, 'latin1');
      if (leadingZeroBits(createHash('sha256').update(message.subarray(0, length)).digest()) >= IMPOSSIBLE) throw new Error('unreachable');
    }
  }, 20_000),
);

const prefixBytes = new TextEncoder().encode(`${nonce}:`);
figures.push(measure('fpaste powSearch (JS SHA-256, midstate, ASCII odometer), 1 thread', (start, count) => void powSearch(prefixBytes, IMPOSSIBLE, start, start + count), 1 << 18));

// All cores: fpaste's solver as the CLI runs it (workers, including their start-up), over real
// challenges; its CPU time covers every worker thread.
const threads = availableParallelism();
const solver = await measurePowSolver(seconds * 2, 22, threads);
figures.push({ method: `fpaste solvePow, ${threads} worker threads (difficulty 22, start-up included; ${solver.coresUsed.toFixed(2)} cores busy)`, hashesPerSecond: solver.hashesPerSecond, hashesPerCpuSecond: solver.hashesPerCpuSecond });

const best = Math.max(...figures.map((figure) => figure.hashesPerSecond));
console.log(`PoW solver, nonce of 32 hex digits; ${cpus()[0]?.model ?? 'cpu'} × ${threads}, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
console.log('| method | hashes/s (wall) | hashes per CPU-second |');
console.log('|---|---:|---:|');
const format = (value: number) => (Number.isNaN(value) ? 'n/a' : `${(value / 1e6).toFixed(2)} M`);
for (const figure of figures) console.log(`| ${figure.method} | ${format(figure.hashesPerSecond)} | ${format(figure.hashesPerCpuSecond)} |`);
console.log('\nExpected solving time at the fastest rate (2^d hashes on average):');
for (const difficulty of [20, 24, 28]) console.log(`  difficulty ${difficulty}: ${(2 ** difficulty / best).toFixed(2)} s`);
