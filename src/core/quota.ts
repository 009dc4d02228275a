// Quotas over live items: whom an item counts against (its owner, or the anonymous client's address
// group), the early refusal from what a request declares, and the client's error for a refusal.
import { createHmac } from 'node:crypto';
import { QuotaOverrun } from '../storage/ports.js';
import type { QuotaClaim, QuotaUsage } from '../storage/ports.js';
import { AppError } from './errors.js';

/** The configured limits (0 = none), as SEALBIN_QUOTA_BYTES and SEALBIN_QUOTA_ITEMS give them. */
export interface QuotaLimits {
  quotaBytes?: number | undefined;
  quotaItems?: number | undefined;
}

/**
 * The quota key of a creator: `owner:<fingerprint>` for a certificate owner, else `group:<HMAC>` of the
 * address group (IPv4 address or IPv6 /64, as the rate limits count). Stored with every item, so only
 * a keyed hash: a database dump must not list the IP addresses of anonymous uploaders, and without
 * the server's secret the hash cannot be reversed by hashing every IPv4 address.
 * @example quotaKey(null, '203.0.113.7', secret) // -> 'group:5f1c...' (64 hex)
 */
export function quotaKey(owner: string | null, group: string, secret: Buffer): string {
  if (owner !== null) return `owner:${owner}`;
  return `group:${createHmac('sha256', secret).update(`sealbin quota group\0${group}`).digest('hex')}`;
}

/** The claim an item is stored under: its key, and the limits checked at `now` (0 = none). */
export function quotaClaim(key: string, limits: QuotaLimits, now: number): QuotaClaim {
  return { key, maxBytes: limits.quotaBytes ?? 0, maxItems: limits.quotaItems ?? 0, now };
}

export function quotasEnabled(limits: QuotaLimits): boolean {
  return (limits.quotaBytes ?? 0) > 0 || (limits.quotaItems ?? 0) > 0;
}

/**
 * Whether one more item of at least `minSize` bytes surely takes `usage` past a limit: the early
 * refusal, before any byte of the body is read. Null when it may fit (the commit checks exactly).
 * @example earlyOverrun({ items: 5, bytes: 10 }, { quotaItems: 5 }, 1) // -> QuotaOverrun('items', 5, 5)
 */
export function earlyOverrun(usage: QuotaUsage, limits: QuotaLimits, minSize: number): QuotaOverrun | null {
  const maxItems = limits.quotaItems ?? 0;
  const maxBytes = limits.quotaBytes ?? 0;
  if (maxItems > 0 && usage.items + 1 > maxItems) return new QuotaOverrun('items', usage.items, maxItems);
  if (maxBytes > 0 && usage.bytes + Math.max(minSize, 1) > maxBytes) return new QuotaOverrun('bytes', usage.bytes, maxBytes);
  return null;
}

/** The client's 413 for a refusal, with which quota, what is in use and the limit. */
export function quotaError(overrun: QuotaOverrun): AppError {
  const message =
    overrun.quota === 'items'
      ? `You already hold ${overrun.used} of ${overrun.limit} live items; delete some or wait until they expire.`
      : `You hold ${overrun.used} bytes in live items and the quota is ${overrun.limit} bytes; this content does not fit. Delete some or wait until they expire.`;
  return new AppError('QUOTA_EXCEEDED', message, { quota: overrun.quota, used: overrun.used, limit: overrun.limit });
}

export { QuotaOverrun };
