// Solving the server's proof of work in Web Workers: one per core (up to 8) when the browser has more
// than one, each searching its own blocks with the CLI's solver; progress counts hashes, and every
// worker is stopped as soon as one finds a solution.
import type { PowJob, PowReport } from './pow-messages.js';
import { workerScriptUrl } from './trusted.js';

/** Candidates per block: small enough for smooth progress, large enough that messages cost nothing. */
const BLOCK = 1 << 16;
/** Solutions stay exact integers (the server accepts up to 16 decimal digits). */
const MAX_SOLUTION = Number.MAX_SAFE_INTEGER - BLOCK;

export function workerCount(): number {
  const cores = navigator.hardwareConcurrency || 1;
  return cores > 1 ? Math.min(cores, 8) : 1;
}

/** Finds s such that SHA-256(nonce + ":" + s) has `difficulty` leading zero bits. */
export function solveInWorkers(workerUrl: string, nonce: string, difficulty: number, onProgress: (hashes: number) => void): Promise<string> {
  const prefix = new TextEncoder().encode(`${nonce}:`);
  const count = workerCount();
  const workers: Worker[] = [];
  return new Promise<string>((resolve, reject) => {
    let hashes = 0;
    let exhausted = 0;
    const stop = () => {
      for (const worker of workers) worker.terminate();
    };
    for (let index = 0; index < count; index++) {
      let worker: Worker;
      try {
        worker = new Worker(workerScriptUrl(workerUrl));
      } catch (error) {
        stop();
        reject(error instanceof Error ? error : new Error('could not start the proof-of-work worker'));
        return;
      }
      workers.push(worker);
      worker.onmessage = (event: MessageEvent<PowReport>) => {
        const report = event.data;
        hashes += report.tried;
        if ('exhausted' in report) {
          if (++exhausted === count) {
            stop();
            reject(new Error('no proof-of-work solution exists for this challenge'));
          }
          return;
        }
        onProgress(hashes);
        if (report.found >= 0) {
          stop();
          resolve(String(report.found));
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        stop();
        reject(new Error('the proof-of-work worker failed to run'));
      };
      const job: PowJob = { prefix, difficulty, index, stride: count, block: BLOCK, max: MAX_SOLUTION };
      worker.postMessage(job);
    }
  });
}
