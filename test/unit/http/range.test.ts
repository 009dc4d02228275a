import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRange } from '../../../src/http/range.js';

const range = (start: number, end: number) => ({ kind: 'range', start, end });

describe('parseRange', () => {
  it('is none without a header', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'none' });
  });

  it.each([
    ['bytes=0-0', range(0, 0)],
    ['bytes=0-9', range(0, 9)],
    ['bytes=2-5', range(2, 5)],
    ['bytes=9-9', range(9, 9)],
    ['bytes=5-', range(5, 9)],
    ['bytes=0-', range(0, 9)],
    ['bytes=5-100', range(5, 9)],
    ['bytes=0-999999999999999', range(0, 9)],
    ['bytes=-4', range(6, 9)],
    ['bytes=-1', range(9, 9)],
    ['bytes=-10', range(0, 9)],
    ['bytes=-20', range(0, 9)],
    ['  bytes=1-2  ', range(1, 2)],
  ])('%s of 10 bytes', (header, expected) => {
    expect(parseRange(header, 10)).toEqual(expected);
  });

  it.each(['bytes=10-', 'bytes=10-20', 'bytes=11-11', 'bytes=-0'])('%s of 10 bytes is unsatisfiable', (header) => {
    expect(parseRange(header, 10)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each(['bytes=5-3', 'bytes=0-1,3-4', 'bytes=0-0, 5-6', 'items=0-1', 'bytes 0-1', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=1-2-3', 'bytes=-1-2', 'bytes=1.5-2', 'bytes=0x1-2', 'bytes=+1-2', 'bytes=1234567890123456-', 'bytes=0-1234567890123456', '', 'bytes=0-1\r\nX: y'])(
    'ignores the invalid or multiple range %j (a full response is always allowed)',
    (header) => {
      expect(parseRange(header, 10)).toEqual({ kind: 'none' });
    },
  );

  it('never returns a range outside the content (property)', () => {
    const header = fc.oneof(
      fc.tuple(fc.option(fc.nat({ max: 200 }), { nil: undefined }), fc.option(fc.nat({ max: 200 }), { nil: undefined })).map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(header, fc.integer({ min: 1, max: 150 }), (value, size) => {
        const result = parseRange(value, size);
        if (result.kind !== 'range') return;
        expect(Number.isSafeInteger(result.start) && Number.isSafeInteger(result.end)).toBe(true);
        expect(result.start).toBeGreaterThanOrEqual(0);
        expect(result.start).toBeLessThanOrEqual(result.end);
        expect(result.end).toBeLessThan(size);
      }),
      { numRuns: 500 },
    );
  });

  it('returns no range of an empty content (nothing can be satisfied)', () => {
    for (const value of ['bytes=0-0', 'bytes=0-', 'bytes=-1', 'bytes=-5']) {
      expect(parseRange(value, 0).kind, value).not.toBe('range');
    }
  });
});
