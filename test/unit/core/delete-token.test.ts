import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { deleteTokenMatches, hashDeleteToken, newDeleteToken } from '../../../src/core/delete-token.js';

describe('delete tokens', () => {
  it('are 256 random bits in base64url', () => {
    const token = newDeleteToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url').length).toBe(32);
    expect(new Set(Array.from({ length: 100 }, () => newDeleteToken())).size).toBe(100);
  });

  it('are stored as their SHA-256 in hex', () => {
    const token = newDeleteToken();
    expect(hashDeleteToken(token)).toBe(createHash('sha256').update(token, 'utf8').digest('hex'));
    expect(hashDeleteToken(token)).not.toContain(token);
  });

  it('match only the right token', () => {
    const token = newDeleteToken();
    const stored = hashDeleteToken(token);
    expect(deleteTokenMatches(token, stored)).toBe(true);
    expect(deleteTokenMatches(newDeleteToken(), stored)).toBe(false);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(deleteTokenMatches(token.slice(0, -1) + last, stored)).toBe(false);
    expect(deleteTokenMatches(token.slice(0, -1), stored)).toBe(false);
    expect(deleteTokenMatches(`${token} `, stored)).toBe(false);
    expect(deleteTokenMatches(token.toUpperCase(), stored)).toBe(token === token.toUpperCase());
    expect(deleteTokenMatches('', stored)).toBe(false);
  });

  it('never match the stored hash itself presented as a token', () => {
    const stored = hashDeleteToken(newDeleteToken());
    expect(deleteTokenMatches(stored, stored)).toBe(false);
  });

  it('answer false (not throw) for a malformed stored hash', () => {
    const token = newDeleteToken();
    for (const stored of ['', 'zz', hashDeleteToken(token).slice(0, 62), `${hashDeleteToken(token)}00`, 'not hex at all']) {
      expect(deleteTokenMatches(token, stored)).toBe(false);
    }
  });
});
