// The options a creation carries in its headers: X-Expiry, X-Burn-After-Read, X-Max-Downloads. One
// parser for every creation route (POST /, /upload, /s, PUT /{id}, and tus creation through its
// Upload-Metadata), so a value means the same wherever it is sent.
import { AppError } from '../core/errors.js';

/** The highest X-Max-Downloads: beyond it a limit is no limit worth keeping a counter for. */
export const MAX_DOWNLOADS = 1000;

type HeaderValue = string | string[] | undefined;

/** Request headers (Node's IncomingHttpHeaders fits), or tus metadata entries laid out the same way. */
export type HeaderBag = Readonly<Record<string, HeaderValue>>;

/** What a creation asked for. `expiry` is the raw X-Expiry, validated by the domain (core/expiry.ts). */
export interface CreateOptions {
  expiry: string | undefined;
  burnAfterRead: boolean;
  /** Complete reads before the item is removed; null = unlimited. */
  maxDownloads: number | null;
}

/** What a PUT asked to change; absent = unchanged. */
export interface UpdateOptions {
  expiry: string | undefined;
  burnAfterRead: boolean | undefined;
  maxDownloads: number | undefined;
}

function once(value: HeaderValue, name: string): string | undefined {
  if (Array.isArray(value)) throw new AppError('INVALID_REQUEST', `${name} must be given once.`);
  return value;
}

/** `1|true` burns, `0|false` does not; anything else is refused rather than silently ignored. */
export function parseBurnAfterRead(value: HeaderValue): boolean | undefined {
  const text = once(value, 'X-Burn-After-Read');
  if (text === undefined) return undefined;
  const normal = text.trim().toLowerCase();
  if (normal === '1' || normal === 'true') return true;
  if (normal === '0' || normal === 'false') return false;
  throw new AppError('INVALID_REQUEST', 'X-Burn-After-Read must be 1, true, 0 or false.');
}

/** An integer 1..1000 written plainly (no sign, leading zero, decimals or exponent). */
export function parseMaxDownloads(value: HeaderValue): number | undefined {
  const text = once(value, 'X-Max-Downloads');
  if (text === undefined) return undefined;
  // Node joins a repeated header into "3, 5": two limits are one too many, and guessing which was meant is worse.
  if (text.includes(',')) throw new AppError('INVALID_REQUEST', 'X-Max-Downloads must be given once.');
  const number = /^[1-9][0-9]{0,3}$/.test(text) ? Number(text) : NaN;
  if (!(number <= MAX_DOWNLOADS)) throw new AppError('INVALID_REQUEST', `X-Max-Downloads must be a whole number from 1 to ${MAX_DOWNLOADS}, written plainly (e.g. 3).`);
  return number;
}

/** Burn after read is already a limit of one read; with a second limit the request contradicts itself. */
function refuseBothLimits(burnAfterRead: boolean | undefined, maxDownloads: number | undefined): void {
  if (burnAfterRead === true && maxDownloads !== undefined) {
    throw new AppError('INVALID_REQUEST', 'X-Burn-After-Read and X-Max-Downloads cannot be combined: burn after read is one download. Send one of them.');
  }
}

/**
 * The options of a creation, from its headers; throws INVALID_REQUEST (INVALID_EXPIRY later, from the
 * domain) before any body byte is read.
 * @example parseCreateOptions({ 'x-max-downloads': '3' }) // -> { expiry: undefined, burnAfterRead: false, maxDownloads: 3 }
 */
export function parseCreateOptions(headers: HeaderBag): CreateOptions {
  const expiry = once(headers['x-expiry'], 'X-Expiry');
  const burnAfterRead = parseBurnAfterRead(headers['x-burn-after-read']);
  const maxDownloads = parseMaxDownloads(headers['x-max-downloads']);
  refuseBothLimits(burnAfterRead, maxDownloads);
  return { expiry, burnAfterRead: burnAfterRead ?? false, maxDownloads: maxDownloads ?? null };
}

/** The same headers on PUT /{id}: only what is sent changes. */
export function parseUpdateOptions(headers: HeaderBag): UpdateOptions {
  const expiry = once(headers['x-expiry'], 'X-Expiry');
  const burnAfterRead = parseBurnAfterRead(headers['x-burn-after-read']);
  const maxDownloads = parseMaxDownloads(headers['x-max-downloads']);
  refuseBothLimits(burnAfterRead, maxDownloads);
  return { expiry, burnAfterRead, maxDownloads };
}
