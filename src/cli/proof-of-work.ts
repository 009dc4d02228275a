// The proof-of-work round trip: fetch a challenge, solve it (spinner after a second), send the
// request with X-PoW-Token / X-PoW-Solution; on POW_INVALID (stale: expired, used, or the difficulty
// rose) fetch a fresh challenge and try again, at most MAX_POW_RETRIES times.
import type { ChallengeJson } from './api-types.js';
import { ApiError, CliError } from './errors.js';
import type { HttpClient } from './http-client.js';
import { solvePow } from './pow-solver.js';
import { startSpinner } from './progress.js';

export type PowPurpose = 'paste' | 'short' | 'register';
export const MAX_POW_RETRIES = 5;

export type Challenge = ChallengeJson;

export type PowHeaders = Record<string, string>;

function challengePath(purpose: PowPurpose): string {
  if (purpose === 'register') return '/register/challenge';
  // One creation token serves pastes, uploads and short links alike.
  return '/challenge';
}

export async function fetchAndSolve(client: HttpClient, purpose: PowPurpose): Promise<PowHeaders> {
  const challenge = await client.json<Challenge>('GET', challengePath(purpose));
  if (!challenge?.enabled || typeof challenge.token !== 'string' || typeof challenge.nonce !== 'string') return {};
  const label = `solving the server's proof of work (difficulty ${challenge.difficulty})`;
  const spinner = startSpinner(`${label}…`);
  try {
    const solved = await solvePow(challenge.nonce, challenge.difficulty, {
      onProgress: ({ hashes, elapsedMs }) => spinner.update(`${label}: ${(hashes / 1e6).toFixed(1)}M hashes, ${(hashes / Math.max(elapsedMs, 1) / 1000).toFixed(1)}M/s`),
    });
    return { 'x-pow-token': challenge.token, 'x-pow-solution': solved.solution };
  } finally {
    spinner.stop();
  }
}

function isPowRefusal(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.code === 'POW_INVALID' || error.code === 'POW_REQUIRED');
}

/**
 * Runs `send` with proof-of-work headers. `send` must be repeatable (it is called again after a
 * stale challenge). With `tryWithout` (a client certificate: usually exempt) the first attempt
 * carries no proof of work and one is solved only if the server asks for it.
 */
export async function withProofOfWork<T>(client: HttpClient, purpose: PowPurpose, send: (headers: PowHeaders) => Promise<T>, options: { tryWithout?: boolean } = {}): Promise<T> {
  if (options.tryWithout) {
    try {
      return await send({});
    } catch (error) {
      if (!isPowRefusal(error)) throw error;
    }
  }
  for (let retry = 0; ; retry++) {
    const headers = await fetchAndSolve(client, purpose);
    try {
      return await send(headers);
    } catch (error) {
      if (!isPowRefusal(error)) throw error;
      if (retry >= MAX_POW_RETRIES) throw new CliError(`the server rejected the proof of work ${retry + 1} times, giving up: ${error.message}`);
    }
  }
}
