// entropy-plaintext-vs-ciphertext (unit): Shannon entropy in bits per byte from a streamed histogram;
// plaintext is far below ciphertext (~8), which is what SEALBIN_MIN_ENTROPY relies on.
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteHistogram, ENTROPY_MIN_BODY } from '../../../src/security/entropy.js';

function entropyOf(...chunks: Buffer[]): number {
  const histogram = new ByteHistogram();
  for (const chunk of chunks) histogram.add(chunk);
  return histogram.entropy();
}

const PROSE = Buffer.from(
  'It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith, his chin nuzzled into his breast in an effort to escape the vile wind, slipped quickly through the glass doors of Victory Mansions, though not quickly enough to prevent a swirl of gritty dust from entering along with him. '.repeat(
    8,
  ),
);

function aesGcm(plaintext: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

describe('entropy-plaintext-vs-ciphertext (ByteHistogram)', () => {
  it('exempts bodies under 256 bytes (ENTROPY_MIN_BODY)', () => {
    expect(ENTROPY_MIN_BODY).toBe(256);
  });

  it('is 0 for nothing and for constant data', () => {
    expect(entropyOf()).toBe(0);
    expect(entropyOf(Buffer.alloc(0))).toBe(0);
    expect(entropyOf(Buffer.alloc(4096, 0x41))).toBe(0);
  });

  it('is exactly 1 for two equally frequent bytes and 8 for all 256 equally frequent', () => {
    expect(entropyOf(Buffer.from('abababab'))).toBeCloseTo(1, 12);
    const all = Buffer.alloc(256 * 4);
    for (let i = 0; i < all.length; i++) all[i] = i % 256;
    expect(entropyOf(all)).toBeCloseTo(8, 12);
  });

  it('puts English prose well under 5 bits/byte, and random bytes and AES ciphertext near 8', () => {
    expect(entropyOf(PROSE)).toBeLessThan(5);
    expect(entropyOf(randomBytes(64 * 1024))).toBeGreaterThan(7.99);
    expect(entropyOf(aesGcm(PROSE))).toBeGreaterThan(7.8);
    // Base64 of ciphertext (what a text-only client might send) sits at ~6 bits/byte.
    const b64 = Buffer.from(aesGcm(PROSE).toString('base64'));
    expect(entropyOf(b64)).toBeGreaterThan(5.8);
    expect(entropyOf(b64)).toBeLessThan(6.05);
  });

  it('does not depend on how the stream was chunked (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2048 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const data = Buffer.from(bytes);
        const points = [...new Set(cuts.map((c) => c % data.length))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const point of points) {
          chunks.push(data.subarray(at, point));
          at = point;
        }
        chunks.push(data.subarray(at));
        expect(entropyOf(...chunks)).toBeCloseTo(entropyOf(data), 9);
      }),
    );
  });

  it('always lies in [0, 8] and counts every byte (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const histogram = new ByteHistogram();
        histogram.add(Buffer.from(bytes));
        expect(histogram.total).toBe(bytes.length);
        const bits = histogram.entropy();
        expect(bits).toBeGreaterThanOrEqual(0);
        expect(bits).toBeLessThanOrEqual(8 + 1e-9);
      }),
    );
  });
});
