// Solving a proof-of-work challenge: find s with SHA-256(nonce + ":" + s) having `difficulty`
// leading zero bits. Easy challenges run on this thread; harder ones on one worker thread per core
// (the worker code is powSearch's own source text, so the one-file bundle needs no second file).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CliError } from './errors.js';
import { powSearch } from './pow-search.js';

export interface SolveProgress {
  hashes: number;
  elapsedMs: number;
}

export interface SolveOptions {
  /** Worker threads; default FPASTE_POW_THREADS or the number of cores. 0 or 1 = this thread only. */
  threads?: number;
  onProgress?: (progress: SolveProgress) => void;
}

export interface Solution {
  solution: string;
  hashes: number;
  elapsedMs: number;
  /** Threads that searched: 1 when solved on this thread (easy, or workers unavailable). */
  threads: number;
}

/** Below this many expected hashes (2^difficulty), starting workers costs more than it saves. */
const INLINE_LIMIT_BITS = 16;
/** Candidates per search call: ~0.1 s, so progress and cancellation stay responsive. */
const BLOCK = 1 << 18;
/** Solutions stay exact integers and within the server's 16 decimal digits. */
const MAX_SOLUTION = Number.MAX_SAFE_INTEGER - BLOCK;

// Run from source through tsx (the bench, `npx tsx src/cli/main.ts`), esbuild's keepNames wraps the
// inner functions of powSearch in `__name(fn, "name")` calls: without this definition every worker died
// of a ReferenceError and the solver fell back to one thread, silently.
const WORKER_SOURCE = `
const __name = (target) => target;
const { parentPort, workerData } = require('node:worker_threads');
const powSearch = ${powSearch.toString()};
const { prefix, difficulty, index, stride, block, max } = workerData;
for (let round = 0; ; round++) {
  const start = (round * stride + index) * block;
  if (start > max) { parentPort.postMessage({ tried: 0, exhausted: true }); break; }
  const found = powSearch(prefix, difficulty, start, start + block);
  parentPort.postMessage({ tried: found < 0 ? block : found - start + 1, found });
  if (found >= 0) break;
}
`;

function defaultThreads(): number {
  const fromEnv = Number(process.env['FPASTE_POW_THREADS']);
  if (Number.isInteger(fromEnv) && fromEnv >= 0 && process.env['FPASTE_POW_THREADS'] !== '') return fromEnv;
  return availableParallelism();
}

export async function solvePow(nonce: string, difficulty: number, options: SolveOptions = {}): Promise<Solution> {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > 64) throw new CliError(`the server asked for an impossible proof of work (difficulty ${difficulty})`);
  const prefix = new TextEncoder().encode(`${nonce}:`);
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads(), 64));
  if (difficulty <= INLINE_LIMIT_BITS || threads === 1) return solveInline(prefix, difficulty, options);
  try {
    return await solveWithWorkers(prefix, difficulty, threads, options);
  } catch (error) {
    // Environments without worker threads still get an answer, only slower.
    if (error instanceof CliError) throw error;
    return solveInline(prefix, difficulty, options);
  }
}

async function solveInline(prefix: Uint8Array, difficulty: number, options: SolveOptions): Promise<Solution> {
  const started = Date.now();
  let hashes = 0;
  for (let start = 0; start <= MAX_SOLUTION; start += BLOCK) {
    const found = powSearch(prefix, difficulty, start, start + BLOCK);
    if (found >= 0) return { solution: String(found), hashes: hashes + found - start + 1, elapsedMs: Date.now() - started, threads: 1 };
    hashes += BLOCK;
    options.onProgress?.({ hashes, elapsedMs: Date.now() - started });
    // Let timers (the progress spinner) run between blocks.
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new CliError('no proof-of-work solution found');
}

function solveWithWorkers(prefix: Uint8Array, difficulty: number, threads: number, options: SolveOptions): Promise<Solution> {
  const started = Date.now();
  return new Promise<Solution>((resolve, reject) => {
    const workers: Worker[] = [];
    let hashes = 0;
    let settled = false;
    let exhausted = 0;
    const finish = (error: Error | null, solution?: Solution) => {
      if (settled) return;
      settled = true;
      for (const worker of workers) void worker.terminate();
      if (error) reject(error);
      else resolve(solution as Solution);
    };
    for (let index = 0; index < threads; index++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { prefix, difficulty, index, stride: threads, block: BLOCK, max: MAX_SOLUTION } });
      workers.push(worker);
      worker.on('message', (message: { tried: number; found?: number; exhausted?: boolean }) => {
        hashes += message.tried;
        if (message.found !== undefined && message.found >= 0) return finish(null, { solution: String(message.found), hashes, elapsedMs: Date.now() - started, threads });
        if (message.exhausted && ++exhausted === threads) return finish(new CliError('no proof-of-work solution found'));
        options.onProgress?.({ hashes, elapsedMs: Date.now() - started });
      });
      worker.on('error', (error) => finish(error));
    }
  });
}
