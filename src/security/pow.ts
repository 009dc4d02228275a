// Proof of work: signed, expiring, single-use challenges. A client must find s such that
// SHA-256(nonce + ":" + s) has at least `difficulty` leading zero bits. Verification is one hash.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { randomBytesPooled } from '../crypto/random-pool.js';
import type { ChallengeJson } from '../api/challenge.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { CounterStore } from '../storage/ports.js';

/**
 * What a token may be spent on: any one creation (paste, upload, short link, replace), or a
 * registration, which has its own endpoint and difficulty. Tokens of one are refused for the other.
 */
export type PowPurpose = 'create' | 'register';
export const POW_PURPOSES: readonly PowPurpose[] = ['create', 'register'];

/** Long enough to solve the hardest challenge on a slow machine, short enough that stockpiles go stale. */
export const CHALLENGE_TTL_SECONDS = 600;

/** The wire shape of a challenge (src/api/challenge.ts). */
export type Challenge = ChallengeJson;

interface TokenPayload {
  v: 1;
  p: PowPurpose;
  n: string;
  d: number;
  e: number;
}

export function leadingZeroBits(hash: Buffer): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    bits += Math.clz32(byte) - 24;
    break;
  }
  return bits;
}

export function powHash(nonce: string, solution: string): Buffer {
  return createHash('sha256').update(`${nonce}:${solution}`, 'utf8').digest();
}

/** Brute-force solver (tests and tools); the CLI has its own fast one. */
export function solve(nonce: string, difficulty: number): string {
  for (let s = 0; ; s++) if (leadingZeroBits(powHash(nonce, String(s))) >= difficulty) return String(s);
}

export class ProofOfWork {
  constructor(
    private readonly key: Buffer,
    private readonly counters: CounterStore,
    private readonly clock: Clock,
  ) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`sealbin-pow-v1.${payload}`).digest('base64url');
  }

  issue(purpose: PowPurpose, difficulty: number): Challenge {
    if (difficulty <= 0) return { enabled: false, difficulty: 0, nonce: null, expires: null, token: null };
    const payload: TokenPayload = { v: 1, p: purpose, n: randomBytesPooled(16).toString('hex'), d: difficulty, e: this.clock.now() + CHALLENGE_TTL_SECONDS };
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { enabled: true, difficulty, nonce: payload.n, expires: payload.e, token: `${encoded}.${this.sign(encoded)}` };
  }

  /**
   * Checks a token and solution for `purpose` at (at least) `requiredDifficulty`, and burns the
   * token. Throws POW_REQUIRED without headers, POW_INVALID for anything wrong.
   */
  async verify(purpose: PowPurpose, token: string | undefined, solution: string | undefined, requiredDifficulty: number): Promise<void> {
    if (token === undefined && solution === undefined) throw new AppError('POW_REQUIRED');
    const invalid = (why: string, extra: Record<string, unknown> = {}) => new AppError('POW_INVALID', `Proof of work rejected: ${why}.`, extra);
    // Cheap rejections first: absurd sizes never reach HMAC or SHA-256.
    if (typeof token !== 'string' || token.length > 512 || typeof solution !== 'string') throw invalid('malformed token or solution');
    if (!/^[0-9]{1,16}$/.test(solution)) throw invalid('the solution must be a decimal integer');
    const [encoded, signature, ...rest] = token.split('.');
    if (!encoded || !signature || rest.length > 0) throw invalid('malformed token');
    const expected = Buffer.from(this.sign(encoded));
    const given = Buffer.from(signature);
    // Forgery: tokens are only valid with our HMAC, compared in constant time.
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid('bad signature');
    let payload: TokenPayload;
    try {
      payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as TokenPayload;
    } catch {
      throw invalid('malformed token');
    }
    if (typeof payload !== 'object' || payload === null || payload.v !== 1 || typeof payload.n !== 'string' || typeof payload.d !== 'number' || typeof payload.e !== 'number') throw invalid('malformed token');
    if (payload.p !== purpose) throw invalid(`the token is for "${payload.p}", not "${purpose}"`);
    const now = this.clock.now();
    if (payload.e <= now) throw invalid('the challenge expired');
    // Stockpiling cheap challenges before a flood rise: a token below the current difficulty is stale.
    if (payload.d < requiredDifficulty) throw invalid('the difficulty rose since this challenge was issued; fetch a new one', { difficulty: requiredDifficulty });
    if (leadingZeroBits(powHash(payload.n, solution)) < payload.d) throw invalid('wrong solution');
    // Replay: the first successful use burns the nonce, across instances when the store is shared.
    if (!(await this.counters.claim(`pow:used:${payload.n}`, payload.e - now + 1))) throw invalid('the token was already used');
  }
}
