import { describe, expect, it } from 'vitest';
import { randomBytesPooled } from '../../../src/crypto/random-pool.js';

describe('randomBytesPooled', () => {
  it('gives the size asked for, each draw in a buffer of its own', () => {
    for (const size of [0, 1, 7, 12, 16, 32, 64, 65, 1000]) {
      const bytes = randomBytesPooled(size);
      expect(bytes.length).toBe(size);
      // Not a view of a shared pool: zeroing a key (as callers do) touches nothing else.
      if (size > 0) expect(bytes.byteOffset === 0 && bytes.buffer.byteLength === size).toBe(true);
    }
  });

  it('never hands out the same bytes twice, across many refills of the pool', () => {
    const seen = new Set<string>();
    // 20,000 draws of 16 bytes are ~80 refills of a 4 KiB pool, with draws straddling each refill.
    for (let draw = 0; draw < 20_000; draw++) seen.add(randomBytesPooled(draw % 3 === 0 ? 12 : 16).toString('hex'));
    expect(seen.size).toBe(20_000);
  });

  it('looks uniform: every byte value turns up, none far from its share', () => {
    const counts = new Array<number>(256).fill(0);
    const draws = 16_384;
    for (let draw = 0; draw < draws; draw++) for (const byte of randomBytesPooled(16)) counts[byte] = (counts[byte] ?? 0) + 1;
    const expected = (draws * 16) / 256;
    // 1,024 expected per value; ±25% is > 7 standard deviations: fails only for a broken source.
    for (const count of counts) expect(Math.abs(count - expected)).toBeLessThan(expected / 4);
  });

  it('refuses a negative or fractional size', () => {
    expect(() => randomBytesPooled(-1)).toThrow(RangeError);
    expect(() => randomBytesPooled(1.5)).toThrow(RangeError);
  });
});
