// Sealed metadata fields (file names, short-link targets): readable only with the metadata key and
// only in the place (table.column, row id) they were sealed for.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { fieldLabel, isSealedField, openField, sealField } from '../../../src/crypto/field-seal.js';

const KEY = randomBytes(32);
const LABEL = fieldLabel('items.file_name', 'row-1');

describe('field sealing', () => {
  it.each([['report.pdf'], [''], ['Grüße – 東京.txt'], ['https://example.org/?token=secret&x=1']])('round-trips %j', (value) => {
    expect(openField(KEY, sealField(KEY, value, LABEL), LABEL)).toBe(value);
  });

  it('stores base64 that does not contain the value, with a fresh nonce each time', () => {
    const value = 'payroll-2026.xlsx';
    const a = sealField(KEY, value, LABEL);
    const b = sealField(KEY, value, LABEL);
    expect(a).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a, 'base64').includes(Buffer.from(value))).toBe(false);
    expect(a).not.toBe(b);
  });

  it('binds the table, the column and the row id', () => {
    const sealed = sealField(KEY, 'a.txt', LABEL);
    expect(() => openField(KEY, sealed, fieldLabel('items.file_name', 'row-2'))).toThrow();
    expect(() => openField(KEY, sealed, fieldLabel('items.mime_type', 'row-1'))).toThrow();
    expect(() => openField(KEY, sealed, fieldLabel('links.file_name', 'row-1'))).toThrow();
  });

  it('refuses another key', () => {
    expect(() => openField(randomBytes(32), sealField(KEY, 'a.txt', LABEL), LABEL)).toThrow();
  });

  it('refuses a value altered anywhere: version, nonce, ciphertext or tag', () => {
    const raw = Buffer.from(sealField(KEY, 'a.txt', LABEL), 'base64');
    for (const index of [0, 1, 13, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[index] = (altered[index] as number) ^ 0x01;
      expect(() => openField(KEY, altered.toString('base64'), LABEL), `byte ${index}`).toThrow();
    }
  });

  it('refuses what is too short to be sealed (a plaintext value from before sealing)', () => {
    expect(() => openField(KEY, 'a.txt', LABEL)).toThrow(/unknown format/);
    expect(() => openField(KEY, '', LABEL)).toThrow(/unknown format/);
  });

  it('tells a sealed value from a plaintext one, and from one sealed for another place', () => {
    expect(isSealedField(KEY, sealField(KEY, 'a.txt', LABEL), LABEL)).toBe(true);
    expect(isSealedField(KEY, 'a.txt', LABEL)).toBe(false);
    // Plaintext that happens to be long valid base64 still fails authentication.
    expect(isSealedField(KEY, Buffer.alloc(64, 7).toString('base64'), LABEL)).toBe(false);
    expect(isSealedField(KEY, sealField(KEY, 'a.txt', fieldLabel('items.file_name', 'row-9')), LABEL)).toBe(false);
  });
});
