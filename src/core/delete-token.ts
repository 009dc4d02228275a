import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBytesPooled } from '../crypto/random-pool.js';

/** 256 random bits, base64url: shown once to the anonymous creator, stored only as a hash. */
export function newDeleteToken(): string {
  return randomBytesPooled(32).toString('base64url');
}

export function hashDeleteToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Timing attack: compare fixed-length hashes in constant time, never the raw strings with ===. */
export function deleteTokenMatches(token: string, storedHash: string): boolean {
  const given = Buffer.from(hashDeleteToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
