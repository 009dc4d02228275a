// The proof-of-work round trip, as fpaste does it (src/cli/proof-of-work.ts): fetch a challenge,
// solve it, send; on POW_INVALID / POW_REQUIRED (stale: expired, used, or the difficulty rose) fetch a
// fresh challenge and try again, at most MAX_POW_RETRIES times.
import type { ChallengeJson } from '../api/challenge.js';
import { ApiError, getJson } from './api.js';
import { solveInWorkers } from './pow.js';

export const MAX_POW_RETRIES = 5;

/** The proof of work could not be done: the message is one sentence for the page. */
export class PowError extends Error {
  override readonly name = 'PowError';
}

export interface PowProgress {
  difficulty: number;
  hashes: number;
}

function isPowRefusal(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.code === 'POW_INVALID' || error.code === 'POW_REQUIRED');
}

async function solve(base: string, workerUrl: string, onProgress: (progress: PowProgress) => void): Promise<Record<string, string>> {
  const challenge = await getJson<ChallengeJson>(`${base}/challenge`);
  if (!challenge.enabled || typeof challenge.token !== 'string' || typeof challenge.nonce !== 'string') return {};
  if (!Number.isInteger(challenge.difficulty) || challenge.difficulty < 0 || challenge.difficulty > 64) throw new PowError(`The server asked for an impossible proof of work (difficulty ${challenge.difficulty}).`);
  onProgress({ difficulty: challenge.difficulty, hashes: 0 });
  let solution: string;
  try {
    solution = await solveInWorkers(workerUrl, challenge.nonce, challenge.difficulty, (hashes) => onProgress({ difficulty: challenge.difficulty, hashes }));
  } catch (error) {
    throw new PowError(`The proof of work could not be computed in this browser: ${error instanceof Error ? error.message : String(error)}.`);
  }
  return { 'x-pow-token': challenge.token, 'x-pow-solution': solution };
}

/** Runs `attempt` with proof-of-work headers; `attempt` is called again after a stale challenge. */
export async function withProofOfWork<T>(base: string, workerUrl: string, attempt: (headers: Record<string, string>) => Promise<T>, onProgress: (progress: PowProgress) => void): Promise<T> {
  for (let retry = 0; ; retry++) {
    const headers = await solve(base, workerUrl, onProgress);
    try {
      return await attempt(headers);
    } catch (error) {
      if (!isPowRefusal(error)) throw error;
      if (retry >= MAX_POW_RETRIES) throw new PowError(`The server rejected the proof of work ${retry + 1} times, giving up: ${error.message}.`);
    }
  }
}
