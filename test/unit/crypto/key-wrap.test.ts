import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openSecret, openSecretAny, sealSecret, unwrapKey, unwrapKeyAny, wrapKey, WRAPPED_KEY_LENGTH } from '../../../src/crypto/key-wrap.js';

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

// During a master-key rotation items are wrapped under either key: the current one is tried first,
// then the previous one; a key that fits neither still fails, with the last key's error.
describe('unwrapping and opening with the current or the previous master key', () => {
  const OLD = randomBytes(32);
  const NEW = randomBytes(32);

  it('unwraps a key wrapped under either, whichever comes first in the list', () => {
    expect(unwrapKeyAny([NEW, OLD], wrapKey(OLD, DEK, ID), ID).equals(DEK)).toBe(true);
    expect(unwrapKeyAny([NEW, OLD], wrapKey(NEW, DEK, ID), ID).equals(DEK)).toBe(true);
  });

  it('refuses a key wrapped under neither, another item id, or an empty key list', () => {
    expect(() => unwrapKeyAny([NEW, OLD], wrapKey(randomBytes(32), DEK, ID), ID)).toThrow();
    expect(() => unwrapKeyAny([NEW, OLD], wrapKey(OLD, DEK, ID), '0f1e2d3c4b5a69788796a5b4c3d2e1f1')).toThrow();
    expect(() => unwrapKeyAny([NEW, OLD], Buffer.alloc(3), ID)).toThrow(/unknown format/);
    expect(() => unwrapKeyAny([], wrapKey(OLD, DEK, ID), ID)).toThrow(/no key encryption key/);
  });

  it('opens a secret sealed under either key, bound to its label', () => {
    const secret = randomBytes(100);
    expect(openSecretAny([NEW, OLD], sealSecret(OLD, secret, 'ca-key'), 'ca-key').equals(secret)).toBe(true);
    expect(openSecretAny([NEW, OLD], sealSecret(NEW, secret, 'ca-key'), 'ca-key').equals(secret)).toBe(true);
    expect(() => openSecretAny([NEW, OLD], sealSecret(OLD, secret, 'ca-key'), 'root')).toThrow();
    expect(() => openSecretAny([NEW], sealSecret(OLD, secret, 'ca-key'), 'ca-key')).toThrow();
    expect(() => openSecretAny([], sealSecret(OLD, secret, 'ca-key'), 'ca-key')).toThrow(/no key encryption key/);
  });

  it('refuses a sealed secret too short to hold a nonce and a tag, or of another version', () => {
    const sealed = sealSecret(NEW, Buffer.from('x'), 'l');
    expect(() => openSecret(NEW, sealed.subarray(0, 28), 'l')).toThrow(/unknown format/);
    const otherVersion = Buffer.from(sealed);
    otherVersion[0] = 2;
    expect(() => openSecret(NEW, otherVersion, 'l')).toThrow(/unknown format/);
  });
});
