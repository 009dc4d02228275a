// Record builders for the conformance suites: valid defaults, random ids, one field overridden per test.
import { randomBytes } from 'node:crypto';
import type { CaRecord, CertRecord, ItemRecord, ShortLinkRecord } from '../../src/storage/ports.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A live paste created at 1000, expiring at 2000, stored inline; a burn-after-read one has its one read left. */
export function item(overrides: Partial<ItemRecord> = {}): ItemRecord {
  return {
    downloadsRemaining: overrides.burnAfterRead === true ? 1 : null,
    id: hex(16),
    kind: 'paste',
    keyHash: null,
    owner: null,
    deleteTokenHash: 'ab'.repeat(32),
    size: 5,
    mimeType: 'text/plain',
    filename: null,
    sha256: 'cd'.repeat(32),
    createdAt: 1000,
    expiresAt: 2000,
    burnAfterRead: false,
    burnedAt: null,
    downloads: 0,
    wrappedKey: randomBytes(61),
    blobId: null,
    inline: randomBytes(40),
    ...overrides,
  };
}

export function ca(overrides: Partial<CaRecord> = {}): CaRecord {
  return {
    certificatePem: `-----BEGIN CERTIFICATE-----\n${randomBytes(48).toString('base64')}\n-----END CERTIFICATE-----\n`,
    sealedKey: randomBytes(120),
    fingerprint: hex(32),
    commonName: 'Sealbin CA',
    createdAt: 1000,
    expiresAt: 1000 + 10 * 365 * 86400,
    ...overrides,
  };
}

export function cert(overrides: Partial<CertRecord> = {}): CertRecord {
  return {
    serial: hex(16),
    fingerprint: hex(32),
    sha1: hex(20),
    commonName: 'alice',
    admin: false,
    issuedAt: 1000,
    expiresAt: 1000 + 365 * 86400,
    revokedAt: null,
    certificatePem: `-----BEGIN CERTIFICATE-----\n${randomBytes(48).toString('base64')}\n-----END CERTIFICATE-----\n`,
    ...overrides,
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function link(overrides: Partial<ShortLinkRecord> = {}): ShortLinkRecord {
  const id = Array.from(randomBytes(8), (byte) => BASE62[byte % 62]).join('');
  return { id, target: `https://example.org/${hex(4)}`, owner: null, createdAt: 1000, expiresAt: 2000, clicks: 0, clicksRemaining: null, ...overrides };
}
