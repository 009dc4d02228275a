import { describe, expect, it } from 'vitest';
import { hkdfSync, randomBytes } from 'node:crypto';
import { deriveKeyring, serverKeyring } from '../../../src/crypto/keyring.js';

const MASTER = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

describe('keyring', () => {
  it('is deterministic for one master key', () => {
    const a = deriveKeyring(MASTER);
    const b = deriveKeyring(Buffer.from(MASTER));
    expect(a.wrapKey.equals(b.wrapKey)).toBe(true);
    expect(a.dicewareKey.equals(b.dicewareKey)).toBe(true);
    expect(a.powKey.equals(b.powKey)).toBe(true);
    expect(a.check).toBe(b.check);
  });

  it('derives distinct 32-byte subkeys, none equal to the master key', () => {
    const ring = deriveKeyring(MASTER);
    const keys = [ring.wrapKey, ring.dicewareKey, ring.powKey, ring.digestKey, ring.metadataKey, ring.quotaKey];
    for (const key of keys) {
      expect(key.length).toBe(32);
      expect(key.equals(MASTER)).toBe(false);
    }
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(6);
    expect(ring.check).toMatch(/^[0-9a-f]{32}$/);
    expect(keys.some((key) => key.toString('hex').startsWith(ring.check))).toBe(false);
  });

  it('derives every subkey with HKDF-SHA256, empty salt and a sealbin/v1/ label', () => {
    const ring = deriveKeyring(MASTER);
    const expand = (label: string) => Buffer.from(hkdfSync('sha256', MASTER, Buffer.alloc(0), `sealbin/v1/${label}`, 32));
    expect(ring.wrapKey.equals(expand('wrap'))).toBe(true);
    expect(ring.dicewareKey.equals(expand('diceware'))).toBe(true);
    expect(ring.powKey.equals(expand('pow'))).toBe(true);
    expect(ring.digestKey.equals(expand('digest'))).toBe(true);
    expect(ring.metadataKey.equals(expand('metadata'))).toBe(true);
    expect(ring.quotaKey.equals(expand('quota'))).toBe(true);
  });

  it('takes the metadata key from the root secret: a new master key leaves sealed metadata readable', () => {
    const root = randomBytes(32);
    const before = serverKeyring(deriveKeyring(MASTER), null, root);
    const after = serverKeyring(deriveKeyring(randomBytes(32)), deriveKeyring(MASTER), root);
    expect(after.metadataKey.equals(before.metadataKey)).toBe(true);
    expect(before.metadataKey.equals(deriveKeyring(MASTER).metadataKey)).toBe(false);
    // Quota groups too: stored group hashes keep counting against the same quota after a rotation.
    expect(after.quotaKey.equals(before.quotaKey)).toBe(true);
    expect(before.quotaKey.equals(deriveKeyring(MASTER).quotaKey)).toBe(false);
  });

  it('gives a different keyring (and check) for a different master key', () => {
    const a = deriveKeyring(MASTER);
    const other = Buffer.from(MASTER);
    other[31] = (other[31] as number) ^ 1;
    const b = deriveKeyring(other);
    expect(a.wrapKey.equals(b.wrapKey)).toBe(false);
    expect(a.dicewareKey.equals(b.dicewareKey)).toBe(false);
    expect(a.powKey.equals(b.powKey)).toBe(false);
    expect(a.check).not.toBe(b.check);
    expect(deriveKeyring(randomBytes(32)).check).not.toBe(a.check);
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => deriveKeyring(Buffer.alloc(31))).toThrow();
    expect(() => deriveKeyring(Buffer.alloc(33))).toThrow();
    expect(() => deriveKeyring(Buffer.alloc(0))).toThrow();
  });

  it('is frozen', () => {
    const ring = deriveKeyring(MASTER);
    expect(Object.isFrozen(ring)).toBe(true);
  });
});
