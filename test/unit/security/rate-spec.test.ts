// SEALBIN_RATE_* values: "N/second|minute|hour|day" (plural allowed) or "off".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRateSpec } from '../../../src/security/rate-spec.js';

describe('parseRateSpec', () => {
  it.each([
    ['30/hour', { limit: 30, windowSeconds: 3600 }],
    ['600/minute', { limit: 600, windowSeconds: 60 }],
    ['1/second', { limit: 1, windowSeconds: 1 }],
    ['5/day', { limit: 5, windowSeconds: 86400 }],
    ['10/minutes', { limit: 10, windowSeconds: 60 }],
    ['2/seconds', { limit: 2, windowSeconds: 1 }],
    ['10/MINUTE', { limit: 10, windowSeconds: 60 }],
    ['  7/hour  ', { limit: 7, windowSeconds: 3600 }],
    ['999999999/day', { limit: 999_999_999, windowSeconds: 86400 }],
  ])('%j', (text, expected) => {
    expect(parseRateSpec(text)).toEqual(expected);
  });

  it.each([['off'], ['OFF'], [' Off ']])('%j is off (null)', (text) => {
    expect(parseRateSpec(text)).toBeNull();
  });

  it.each([['0/minute'], ['-1/minute'], ['1.5/minute'], ['10/week'], ['10/min'], ['10'], ['/minute'], ['10 / minute'], ['10/'], ['1000000000/second'], ['010/minute'], [''], ['on'], ['unlimited'], ['10/minute/extra'], ['0x10/minute']])('%j is invalid (undefined)', (text) => {
    expect(parseRateSpec(text)).toBeUndefined();
  });

  it('round-trips any positive limit below 10^9 and unit (property)', () => {
    const units = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999 }), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])), fc.boolean(), (limit, unit, plural) => {
        expect(parseRateSpec(`${limit}/${unit}${plural ? 's' : ''}`)).toEqual({ limit, windowSeconds: units[unit] });
      }),
    );
  });

  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseRateSpec(text);
        if (parsed) {
          expect(parsed.limit).toBeGreaterThan(0);
          expect([1, 60, 3600, 86400]).toContain(parsed.windowSeconds);
        }
      }),
    );
  });
});
