import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { unwrapKey, wrapKey, WRAPPED_KEY_LENGTH } from '../../../src/crypto/key-wrap.js';

const KEK = randomBytes(32);
const DEK = randomBytes(32);
const ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

describe('key wrapping', () => {
  it('round-trips a data key', () => {
    const wrapped = wrapKey(KEK, DEK, ID);
    expect(unwrapKey(KEK, wrapped, ID).equals(DEK)).toBe(true);
  });

  it('is version byte 1, a 12-byte nonce, 32 bytes of ciphertext and a 16-byte tag', () => {
    const wrapped = wrapKey(KEK, DEK, ID);
    expect(WRAPPED_KEY_LENGTH).toBe(61);
    expect(wrapped.length).toBe(61);
    expect(wrapped[0]).toBe(1);
    expect(wrapped.includes(DEK)).toBe(false);
  });

  it('uses a fresh nonce each time', () => {
    const a = wrapKey(KEK, DEK, ID);
    const b = wrapKey(KEK, DEK, ID);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses to unwrap for another item id (a wrapped key copied onto another row)', () => {
    const wrapped = wrapKey(KEK, DEK, ID);
    expect(() => unwrapKey(KEK, wrapped, '0f1e2d3c4b5a69788796a5b4c3d2e1f1')).toThrow();
    expect(() => unwrapKey(KEK, wrapped, '')).toThrow();
    expect(() => unwrapKey(KEK, wrapped, ID.toUpperCase())).toThrow();
  });

  it('refuses to unwrap under another master key', () => {
    expect(() => unwrapKey(randomBytes(32), wrapKey(KEK, DEK, ID), ID)).toThrow();
  });

  it('refuses any altered byte: version, nonce, ciphertext or tag', () => {
    const wrapped = wrapKey(KEK, DEK, ID);
    for (let offset = 0; offset < wrapped.length; offset++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = Buffer.from(wrapped);
        tampered[offset] = (tampered[offset] as number) ^ mask;
        expect(() => unwrapKey(KEK, tampered, ID), `byte ${offset} mask ${mask}`).toThrow();
      }
    }
  });

  it('refuses truncated, extended or empty input', () => {
    const wrapped = wrapKey(KEK, DEK, ID);
    expect(() => unwrapKey(KEK, wrapped.subarray(0, 60), ID)).toThrow(/unknown format/);
    expect(() => unwrapKey(KEK, Buffer.concat([wrapped, Buffer.from([0])]), ID)).toThrow(/unknown format/);
    expect(() => unwrapKey(KEK, Buffer.alloc(0), ID)).toThrow(/unknown format/);
  });
});
