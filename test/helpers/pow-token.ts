// Taking PoW tokens apart and putting them back together (tamper tests), and finding solutions
// other than the first one.
import { createHmac } from 'node:crypto';
import { leadingZeroBits, powHash } from '../../src/security/pow.js';

export interface TokenParts {
  payload: Record<string, unknown>;
  encoded: string;
  signature: string;
}

/** Splits "base64url(JSON).signature". */
export function decodeToken(token: string): TokenParts {
  const [encoded = '', signature = ''] = token.split('.');
  return { payload: JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>, encoded, signature };
}

/** Re-encodes an (edited) payload, keeping whatever signature is given. */
export function encodeToken(payload: unknown, signature: string): string {
  return `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}

/** What the server signs with its key (unit tests know the key; black-box tests never do). */
export function signPayload(key: Buffer, encoded: string): string {
  return createHmac('sha256', key).update(`sealbin-pow-v1.${encoded}`).digest('base64url');
}

export function isSolution(nonce: string, solution: string, difficulty: number): boolean {
  return leadingZeroBits(powHash(nonce, solution)) >= difficulty;
}

/** The first solution ≥ `from` (as a decimal string). */
export function solveFrom(nonce: string, difficulty: number, from: bigint): string {
  for (let s = from; ; s++) if (isSolution(nonce, s.toString(), difficulty)) return s.toString();
}

/** A decimal string that is NOT a solution. */
export function wrongSolution(nonce: string, difficulty: number): string {
  for (let s = 0; ; s++) if (!isSolution(nonce, String(s), difficulty)) return String(s);
}

/** Replaces the character at `index` with another base64url character. */
export function flipChar(text: string, index: number, shift = 1): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const at = alphabet.indexOf(text[index] as string);
  const replacement = alphabet[(Math.max(at, 0) + 1 + (Math.abs(shift) % 63)) % alphabet.length] as string;
  return text.slice(0, index) + replacement + text.slice(index + 1);
}
