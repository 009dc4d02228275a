// Solving the server's proof of work in Web Workers with the CLI's solver. One worker starts at once;
// when its first block ends without a solution (the challenge is not trivial) the others start, up to
// one per core (at most 8) when the browser has more than one. Progress counts hashes; every worker is
// stopped as soon as one finds a solution.
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
  const workers: { worker: Worker; started: boolean }[] = [];
  return new Promise<string>((resolve, reject) => {
    let hashes = 0;
    let exhausted = 0;
    let stopped = false;
    const stop = () => {
      stopped = true;
      // Workers still loading are stopped when they report that they run (see pow-worker.ts).
      for (const entry of workers) if (entry.started) entry.worker.terminate();
    };
    const fail = (error: Error) => {
      if (stopped) return;
      stop();
      reject(error);
    };
    const start = (index: number) => {
      let worker: Worker;
      try {
        worker = new Worker(workerScriptUrl(workerUrl));
      } catch (error) {
        fail(error instanceof Error ? error : new Error('could not start the proof-of-work worker'));
        return;
      }
      const entry = { worker, started: false };
      workers.push(entry);
      worker.onmessage = (event: MessageEvent<PowReport>) => {
        const report = event.data;
        if ('started' in report) {
          entry.started = true;
          if (stopped) worker.terminate();
          return;
        }
        if (stopped) return;
        hashes += report.tried;
        if ('exhausted' in report) {
          if (++exhausted === count) fail(new Error('no proof-of-work solution exists for this challenge'));
          return;
        }
        onProgress(hashes);
        if (report.found >= 0) {
          stop();
          resolve(String(report.found));
          return;
        }
        // Not solved in the first block: worth starting the other workers.
        if (workers.length < count) for (let next = workers.length; next < count; next++) start(next);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        fail(new Error('the proof-of-work worker failed to run'));
      };
      const job: PowJob = { prefix, difficulty, index, stride: count, block: BLOCK, max: MAX_SOLUTION };
      worker.postMessage(job);
    };
    start(0);
  });
}
