// Quota keying and the early-refusal arithmetic (pure functions of core/quota.ts).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { earlyOverrun, quotaClaim, quotaError, quotaKey, quotasEnabled } from '../../../src/core/quota.js';
import { QuotaOverrun } from '../../../src/storage/ports.js';
import { addressGroup } from '../../../src/security/client-ip.js';
import { loadConfig } from '../../../src/config.js';

const secret = randomBytes(32);

describe('quotaKey', () => {
  it('an owner counts by certificate fingerprint, whatever address it comes from', () => {
    const owner = 'ab'.repeat(32);
    expect(quotaKey(owner, '203.0.113.7', secret)).toBe(`owner:${owner}`);
    expect(quotaKey(owner, '2001:db8::/64', secret)).toBe(quotaKey(owner, '198.51.100.1', secret));
  });

  it('an anonymous client counts by a keyed hash of its address group: no address in the key', () => {
    const key = quotaKey(null, '203.0.113.7', secret);
    expect(key).toMatch(/^group:[0-9a-f]{64}$/);
    // The address in any spelling (hex digits alone could hold "203" by chance: the secret is random).
    expect(key).not.toContain('203.0.113');
    expect(key).not.toContain(Buffer.from('203.0.113.7').toString('hex'));
    expect(quotaKey(null, '203.0.113.7', secret)).toBe(key);
    expect(quotaKey(null, '203.0.113.8', secret)).not.toBe(key);
  });

  it('the hash depends on the server secret (a dump cannot be reversed by hashing every IPv4 address)', () => {
    expect(quotaKey(null, '203.0.113.7', randomBytes(32))).not.toBe(quotaKey(null, '203.0.113.7', secret));
  });

  it('two IPv6 addresses in one /64 share a key; another /64 has its own', () => {
    const of = (address: string) => quotaKey(null, addressGroup(address), secret);
    expect(of('2001:db8:aa:1::1')).toBe(of('2001:db8:aa:1:ffff:ffff:ffff:ffff'));
    expect(of('2001:db8:aa:1::1')).not.toBe(of('2001:db8:aa:2::1'));
  });

  it('an owner key never equals a group key (a fingerprint-shaped group name cannot borrow an owner quota)', () => {
    const owner = 'cd'.repeat(32);
    expect(quotaKey(null, owner, secret)).not.toBe(quotaKey(owner, owner, secret));
  });
});

describe('earlyOverrun', () => {
  it('no limits: never refuses', () => {
    expect(earlyOverrun({ items: 1e9, bytes: 1e15 }, {}, 1e12)).toBeNull();
    expect(quotasEnabled({ quotaBytes: 0, quotaItems: 0 })).toBe(false);
    expect(quotasEnabled({ quotaItems: 1 })).toBe(true);
  });

  it('items: refuses only when the count is already at the limit', () => {
    expect(earlyOverrun({ items: 4, bytes: 0 }, { quotaItems: 5 }, 0)).toBeNull();
    const over = earlyOverrun({ items: 5, bytes: 0 }, { quotaItems: 5 }, 0);
    expect(over).toBeInstanceOf(QuotaOverrun);
    expect(over).toMatchObject({ quota: 'items', used: 5, limit: 5 });
  });

  it('bytes: a declared size that fits exactly passes, one byte more is refused; an unknown size counts as 1 byte', () => {
    expect(earlyOverrun({ items: 0, bytes: 60 }, { quotaBytes: 100 }, 40)).toBeNull();
    expect(earlyOverrun({ items: 0, bytes: 60 }, { quotaBytes: 100 }, 41)).toMatchObject({ quota: 'bytes', used: 60, limit: 100 });
    expect(earlyOverrun({ items: 0, bytes: 99 }, { quotaBytes: 100 }, 0)).toBeNull();
    expect(earlyOverrun({ items: 0, bytes: 100 }, { quotaBytes: 100 }, 0)).toMatchObject({ quota: 'bytes', used: 100 });
  });

  it('the item count is reported before bytes when both are over', () => {
    expect(earlyOverrun({ items: 3, bytes: 500 }, { quotaItems: 3, quotaBytes: 100 }, 1)).toMatchObject({ quota: 'items' });
  });
});

describe('quotaClaim and quotaError', () => {
  it('a claim carries the key and the limits, 0 for none', () => {
    expect(quotaClaim('owner:x', { quotaBytes: 10 }, 1234)).toEqual({ key: 'owner:x', maxBytes: 10, maxItems: 0, now: 1234 });
  });

  it('the client error is 413 QUOTA_EXCEEDED with quota, used and limit', () => {
    const error = quotaError(new QuotaOverrun('bytes', 90, 100));
    expect(error.status).toBe(413);
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.extra).toEqual({ quota: 'bytes', used: 90, limit: 100 });
  });
});

describe('configuration', () => {
  it('SEALBIN_QUOTA_BYTES takes units, SEALBIN_QUOTA_ITEMS a whole number; both default to 0 (none)', () => {
    expect(loadConfig({})).toMatchObject({ quotaBytes: 0, quotaItems: 0 });
    expect(loadConfig({ SEALBIN_QUOTA_BYTES: '1GiB', SEALBIN_QUOTA_ITEMS: '50' })).toMatchObject({ quotaBytes: 2 ** 30, quotaItems: 50 });
    expect(loadConfig({ SEALBIN_QUOTA_BYTES: '500MB' }).quotaBytes).toBe(500_000_000);
    expect(() => loadConfig({ SEALBIN_QUOTA_BYTES: 'lots' })).toThrow(/SEALBIN_QUOTA_BYTES/);
    expect(() => loadConfig({ SEALBIN_QUOTA_ITEMS: '-1' })).toThrow(/SEALBIN_QUOTA_ITEMS/);
    expect(() => loadConfig({ SEALBIN_QUOTA_ITEMS: '1.5' })).toThrow(/SEALBIN_QUOTA_ITEMS/);
  });
});
