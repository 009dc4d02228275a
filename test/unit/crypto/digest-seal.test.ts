// The sealed content digest: opens only for its own item under the same key, never stores the
// plain hash, and gives ETags that differ per item (no cross-item comparison of guesses).
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestSeal, isPlainDigest, SEALED_DIGEST_PREFIX, UNREADABLE_DIGEST } from '../../../src/crypto/digest-seal.js';

const key = randomBytes(32);
const seal = new DigestSeal(key);
const digest = createHash('sha256').update('4711').digest('hex');
const id = 'a'.repeat(32);

describe('DigestSeal', () => {
  it('round-trips, with a fresh nonce each time and no trace of the plain digest', () => {
    const a = seal.seal(id, digest);
    const b = seal.seal(id, digest);
    expect(a.startsWith(SEALED_DIGEST_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    for (const stored of [a, b]) {
      expect(stored).not.toContain(digest);
      expect(Buffer.from(stored.slice(SEALED_DIGEST_PREFIX.length), 'base64url').includes(Buffer.from(digest, 'hex'))).toBe(false);
      expect(seal.open(id, stored)).toBe(digest);
    }
  });

  it('a sealed digest copied to another item, altered, or opened under another key is unreadable', () => {
    const stored = seal.seal(id, digest);
    expect(seal.open('b'.repeat(32), stored)).toBe(UNREADABLE_DIGEST);
    expect(new DigestSeal(randomBytes(32)).open(id, stored)).toBe(UNREADABLE_DIGEST);
    const body = Buffer.from(stored.slice(SEALED_DIGEST_PREFIX.length), 'base64url');
    body[20] = (body[20] as number) ^ 1;
    expect(seal.open(id, SEALED_DIGEST_PREFIX + body.toString('base64url'))).toBe(UNREADABLE_DIGEST);
    expect(isPlainDigest(UNREADABLE_DIGEST)).toBe(false);
  });

  it('remembering opened digests never vouches for a copied or altered one', () => {
    const remembering = new DigestSeal(key);
    const stored = remembering.seal(id, digest);
    // Opened (and remembered) first, then the same sealed value on another row, and altered.
    expect(remembering.open(id, stored)).toBe(digest);
    expect(remembering.open(id, stored)).toBe(digest);
    expect(remembering.open('b'.repeat(32), stored)).toBe(UNREADABLE_DIGEST);
    const body = Buffer.from(stored.slice(SEALED_DIGEST_PREFIX.length), 'base64url');
    body[body.length - 1] = (body[body.length - 1] as number) ^ 1;
    expect(remembering.open(id, SEALED_DIGEST_PREFIX + body.toString('base64url'))).toBe(UNREADABLE_DIGEST);
    // Thousands of other items later (the memo is bounded), the first still opens correctly.
    for (let n = 0; n < 5000; n += 1) remembering.open(n.toString(16).padStart(32, '0'), remembering.seal(n.toString(16).padStart(32, '0'), digest));
    expect(remembering.open(id, stored)).toBe(digest);
  });

  it('a legacy plain digest passes through until it is sealed at start', () => {
    expect(seal.open(id, digest)).toBe(digest);
    expect(isPlainDigest(digest)).toBe(true);
  });

  it('ETags are keyed, per item and per content', () => {
    const tag = seal.etag(id, digest);
    expect(tag).toBe(seal.etag(id, digest));
    expect(tag).not.toBe(seal.etag('b'.repeat(32), digest));
    expect(tag).not.toBe(seal.etag(id, createHash('sha256').update('4712').digest('hex')));
    expect(tag).not.toBe(new DigestSeal(randomBytes(32)).etag(id, digest));
    expect(digest).not.toContain(tag);
  });
});
