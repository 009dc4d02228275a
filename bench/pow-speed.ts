// fpaste's proof-of-work solver as the CLI runs it (solvePow: one worker thread per core, start-up
// included), over fresh challenges until `seconds` have passed. The per-CPU-second rate is what one
// core does (a busy machine takes wall time away, much less CPU efficiency); the cores used figure
// says whether the workers really ran in parallel.
import { availableParallelism } from 'node:os';
import { solvePow } from '../src/cli/pow-solver.js';

export interface PowFigures {
  readonly threads: number;
  readonly difficulty: number;
  readonly hashes: number;
  readonly hashesPerSecond: number;
  /** hashes ÷ CPU seconds of all threads: one core's rate */
  readonly hashesPerCpuSecond: number;
  /** CPU seconds ÷ wall seconds: how many cores the solver kept busy */
  readonly coresUsed: number;
}

const NONCE = 'a3f1c2d4e5b6978812345678abcdef01'; // the shape the server issues: 32 hex digits

export async function measurePowSolver(seconds: number, difficulty = 22, threads = availableParallelism()): Promise<PowFigures> {
  let hashes = 0;
  // What really searched: a solver that fell back to one thread must show as one, not as `threads`.
  let searched = threads;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let round = 0; performance.now() - started < seconds * 1000; round++) {
    const solved = await solvePow(`${NONCE.slice(0, 24)}${String(round).padStart(8, '0')}`, difficulty, { threads });
    hashes += solved.hashes;
    searched = Math.min(searched, solved.threads);
  }
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { threads: searched, difficulty, hashes, hashesPerSecond: hashes / wall, hashesPerCpuSecond: hashes / cpuSeconds, coresUsed: cpuSeconds / wall };
}
