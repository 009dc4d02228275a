// The sealed segments of partial uploads (docs/formats.md, "Partial uploads"): each binds its upload
// and its plaintext offset, nonces never repeat, and what a torn or forged tail looks like is refused.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { declaredLength, openSegment, SEGMENT_HEAD, SEGMENT_MAX, sealSegment, segmentSize } from '../../../src/crypto/upload-segment.js';

const KEY = randomBytes(32);
const ID = '0123456789abcdef0123456789abcdef';

describe('upload segments', () => {
  it('round-trips and has the documented size', () => {
    const plain = randomBytes(1000);
    const segment = sealSegment(KEY, ID, 65_536, plain);
    expect(segment.length).toBe(segmentSize(1000));
    expect(segment.length).toBe(4 + 12 + 1000 + 16);
    expect(declaredLength(segment)).toBe(1000);
    expect(openSegment(KEY, ID, 65_536, segment)).toEqual(plain);
  });

  it('does not open at another offset, for another upload or under another key', () => {
    const segment = sealSegment(KEY, ID, 0, Buffer.from('first bytes'));
    expect(openSegment(KEY, ID, 11, segment)).toBeNull();
    expect(openSegment(KEY, 'fedcba9876543210fedcba9876543210', 0, segment)).toBeNull();
    expect(openSegment(randomBytes(32), ID, 0, segment)).toBeNull();
  });

  it('refuses any flipped bit, a changed length and a cut segment', () => {
    const segment = sealSegment(KEY, ID, 0, randomBytes(300));
    for (const at of [SEGMENT_HEAD - 1, SEGMENT_HEAD, segment.length - 1]) {
      const flipped = Buffer.from(segment);
      flipped[at] = (flipped[at] as number) ^ 1;
      expect(openSegment(KEY, ID, 0, flipped), `bit at ${at}`).toBeNull();
    }
    const longer = Buffer.from(segment);
    longer.writeUInt32BE(301, 0);
    expect(openSegment(KEY, ID, 0, longer)).toBeNull();
    expect(openSegment(KEY, ID, 0, segment.subarray(0, segment.length - 1))).toBeNull();
  });

  it('draws a fresh nonce every time: the same bytes at the same offset seal differently', () => {
    const plain = Buffer.from('written again after a torn tail was cut');
    const a = sealSegment(KEY, ID, 4096, plain);
    const b = sealSegment(KEY, ID, 4096, plain);
    expect(a.subarray(4, 16).equals(b.subarray(4, 16))).toBe(false);
    expect(openSegment(KEY, ID, 4096, b)).toEqual(plain);
  });

  it('reads a zeroed or oversized head as no segment (a torn tail)', () => {
    expect(declaredLength(Buffer.alloc(4))).toBeNull();
    const big = Buffer.alloc(4);
    big.writeUInt32BE(SEGMENT_MAX + 1, 0);
    expect(declaredLength(big)).toBeNull();
    expect(() => sealSegment(KEY, ID, 0, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => sealSegment(KEY, ID, 0, Buffer.alloc(SEGMENT_MAX + 1))).toThrow(RangeError);
  });
});
