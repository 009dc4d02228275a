import { AppError } from './errors.js';

export interface ExpiryPolicy {
  /** Seconds; 0 = never. */
  defaultExpiry: number;
  /** Seconds; 0 = no upper bound. */
  maxExpiry: number;
}

/** Far enough for "no bound" yet safe for integer columns and Date (year 9999). */
const LAST_REPRESENTABLE = 253402300799;

/**
 * Turns an X-Expiry header into an absolute Unix time (null = never).
 * Accepts only ASCII digits ≥ 1: "-1", "NaN", "1e309", "1.5" and " 5" are rejected, not coerced.
 * @example resolveExpiry('60', { defaultExpiry: 0, maxExpiry: 0 }, 1000) === 1060
 */
export function resolveExpiry(header: string | undefined, policy: ExpiryPolicy, now: number): number | null {
  if (header === undefined) return policy.defaultExpiry === 0 ? null : now + policy.defaultExpiry;
  if (!/^[0-9]+$/.test(header) || header.length > 1000) throw new AppError('INVALID_EXPIRY');
  // BigInt so that long digit strings compare exactly instead of rounding through a double (then clamp).
  const requested = BigInt(header);
  if (requested < 1n) throw new AppError('INVALID_EXPIRY');
  const bound = policy.maxExpiry === 0 ? BigInt(LAST_REPRESENTABLE - now) : BigInt(policy.maxExpiry);
  const seconds = requested > bound ? bound : requested;
  return now + Number(seconds);
}
