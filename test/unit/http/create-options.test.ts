// The one parser of creation headers (X-Expiry, X-Burn-After-Read, X-Max-Downloads) that every
// creation route, tus creation included, goes through.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { parseCreateOptions, parseMaxDownloads, parseUpdateOptions } from '../../../src/http/create-options.js';

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('parseMaxDownloads', () => {
  it.each([['1', 1], ['7', 7], ['999', 999], ['1000', 1000]])('accepts %j', (value, expected) => {
    expect(parseMaxDownloads(value)).toBe(expected);
  });

  it.each(['0', '1001', '9999', '01', '+1', '-1', '1.0', '1e3', '0x10', ' ', '', 'ten', '1,2', '١٢'])('refuses %j with INVALID_REQUEST', (value) => {
    const error = refusal(() => parseMaxDownloads(value));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(/X-Max-Downloads/);
  });

  it('absent is undefined; repeated (an array, or Node\'s joined "2, 2") is refused as given twice', () => {
    expect(parseMaxDownloads(undefined)).toBeUndefined();
    expect(refusal(() => parseMaxDownloads(['2', '2'])).message).toMatch(/once/);
    expect(refusal(() => parseMaxDownloads('2, 2')).message).toMatch(/once/);
  });
});

describe('parseCreateOptions / parseUpdateOptions', () => {
  it('defaults: no expiry given, no burning, unlimited', () => {
    expect(parseCreateOptions({})).toEqual({ expiry: undefined, burnAfterRead: false, maxDownloads: null });
    expect(parseUpdateOptions({})).toEqual({ expiry: undefined, burnAfterRead: undefined, maxDownloads: undefined });
  });

  it('reads all three headers', () => {
    expect(parseCreateOptions({ 'x-expiry': '60', 'x-burn-after-read': 'false', 'x-max-downloads': '3' })).toEqual({ expiry: '60', burnAfterRead: false, maxDownloads: 3 });
    expect(parseUpdateOptions({ 'x-burn-after-read': 'TRUE' })).toEqual({ expiry: undefined, burnAfterRead: true, maxDownloads: undefined });
  });

  it('refuses burning together with a download limit (burn after read is a limit of one)', () => {
    for (const parse of [parseCreateOptions, parseUpdateOptions]) {
      expect(refusal(() => parse({ 'x-burn-after-read': '1', 'x-max-downloads': '1' })).code).toBe('INVALID_REQUEST');
    }
  });

  it('refuses a bad X-Burn-After-Read and a repeated X-Expiry', () => {
    expect(refusal(() => parseCreateOptions({ 'x-burn-after-read': 'yes please' })).code).toBe('INVALID_REQUEST');
    expect(refusal(() => parseCreateOptions({ 'x-expiry': ['1', '2'] })).message).toMatch(/X-Expiry must be given once/);
  });
});
