import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../../../src/core/errors.js';
import { resolveExpiry } from '../../../src/core/expiry.js';
import type { ExpiryPolicy } from '../../../src/core/expiry.js';

const NOW = 1_700_000_000;
const WEEK = 7 * 86400;
const YEAR = 365 * 86400;
const POLICY: ExpiryPolicy = { defaultExpiry: WEEK, maxExpiry: YEAR };
const UNBOUNDED: ExpiryPolicy = { defaultExpiry: 0, maxExpiry: 0 };
/** 9999-12-31T23:59:59Z: the latest time an unbounded expiry resolves to. */
const LAST = 253402300799;

function invalid(header: string, policy = POLICY): void {
  let caught: unknown;
  try {
    resolveExpiry(header, policy, NOW);
  } catch (error) {
    caught = error;
  }
  expect(caught, JSON.stringify(header)).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe('INVALID_EXPIRY');
  expect((caught as AppError).status).toBe(400);
}

describe('resolveExpiry', () => {
  it('uses the default when the header is absent; a default of 0 never expires', () => {
    expect(resolveExpiry(undefined, POLICY, NOW)).toBe(NOW + WEEK);
    expect(resolveExpiry(undefined, { defaultExpiry: 0, maxExpiry: 0 }, NOW)).toBeNull();
    expect(resolveExpiry(undefined, { defaultExpiry: 60, maxExpiry: 0 }, NOW)).toBe(NOW + 60);
  });

  it('accepts whole seconds from 1 up', () => {
    expect(resolveExpiry('1', POLICY, NOW)).toBe(NOW + 1);
    expect(resolveExpiry('60', POLICY, NOW)).toBe(NOW + 60);
    expect(resolveExpiry('3600', POLICY, NOW)).toBe(NOW + 3600);
    expect(resolveExpiry(String(YEAR), POLICY, NOW)).toBe(NOW + YEAR);
    expect(resolveExpiry('007', POLICY, NOW)).toBe(NOW + 7);
  });

  it.each(['0', '00', '-1', '-0', '+5', 'NaN', 'Infinity', '-Infinity', '1e309', '1e3', '1.5', '1.0', '0.5', '.5', '5.', ' 5', '5 ', '5\n', '0x10', '0b1', '1_000', '1,000', '', ' ', 'abc', '١٢', '１', 'true', 'null', '[1]'])(
    'rejects %j with INVALID_EXPIRY',
    (header) => invalid(header),
  );

  it('clamps anything above the maximum to the maximum', () => {
    expect(resolveExpiry(String(YEAR + 1), POLICY, NOW)).toBe(NOW + YEAR);
    expect(resolveExpiry('99999999999', POLICY, NOW)).toBe(NOW + YEAR);
    expect(resolveExpiry('9007199254740993', POLICY, NOW)).toBe(NOW + YEAR);
    expect(resolveExpiry('9'.repeat(30), POLICY, NOW)).toBe(NOW + YEAR);
  });

  it('clamps huge digit strings too instead of calling them invalid', () => {
    // The contract: whole seconds ≥ 1, larger than the maximum is clamped; anything else is 400.
    expect(resolveExpiry('9'.repeat(31), POLICY, NOW)).toBe(NOW + YEAR);
    expect(resolveExpiry('1' + '0'.repeat(60), POLICY, NOW)).toBe(NOW + YEAR);
    expect(resolveExpiry('9'.repeat(400), UNBOUNDED, NOW)).toBe(LAST);
  });

  it('treats a maximum of 0 as unbounded, yet stays a valid date', () => {
    expect(resolveExpiry('60', UNBOUNDED, NOW)).toBe(NOW + 60);
    expect(resolveExpiry(String(100 * YEAR), UNBOUNDED, NOW)).toBe(NOW + 100 * YEAR);
    expect(resolveExpiry('9'.repeat(30), UNBOUNDED, NOW)).toBe(LAST);
    expect(new Date(LAST * 1000).toISOString()).toBe('9999-12-31T23:59:59.000Z');
  });

  it('is min(requested, maximum) for any whole number, and an error for anything else (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 29n }), fc.integer({ min: 0, max: 100 * YEAR }), (requested, max) => {
        const policy = { defaultExpiry: 0, maxExpiry: max };
        const bound = max === 0 ? BigInt(LAST - NOW) : BigInt(max);
        const expected = NOW + Number(requested < bound ? requested : bound);
        expect(resolveExpiry(requested.toString(), policy, NOW)).toBe(expected);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }).filter((text) => !/^[0-9]+$/.test(text)), (header) => invalid(header)),
      { numRuns: 300 },
    );
  });
});
