// Validation of short-link targets: parse once with the WHATWG URL parser, accept only what cannot
// become an open-redirect, script or header-injection vector, and redirect to its serialisation.
import { randomInt } from 'node:crypto';
import { AppError } from './errors.js';
import { pointsAtOwnShortLink } from './self-link.js';
import type { SelfNames } from './self-link.js';

export const MAX_URL_BYTES = 2048;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SHORT_ID_LENGTH = 8;
/** For callers with no server around (tests, tools): nothing counts as our own link. */
export const NO_SELF: SelfNames = { hosts: [], pathPrefix: '' };

/** 8 uniform base62 characters (~47.6 bits); uniqueness is the store's job (retry on conflict). */
export function newShortId(): string {
  let id = '';
  for (let i = 0; i < SHORT_ID_LENGTH; i++) id += BASE62[randomInt(62)];
  return id;
}

export function isShortId(value: string): boolean {
  return /^[0-9A-Za-z]{8}$/.test(value);
}

function invalid(reason: string): AppError {
  return new AppError('INVALID_URL', `The URL was refused: ${reason}.`);
}

/**
 * Returns the normalised target, or throws INVALID_URL.
 * `self` names this server's hosts and URL prefix: its own short links are refused (no loops).
 * @example normalizeTarget('HTTPS://Example.org/a b', NO_SELF) === 'https://example.org/a%20b'
 */
export function normalizeTarget(input: string, self: SelfNames): string {
  if (Buffer.byteLength(input, 'utf8') > MAX_URL_BYTES) throw invalid(`longer than ${MAX_URL_BYTES} bytes`);
  // Scheme smuggling ("\tjavascript:", " data:") and header splitting: no control characters anywhere,
  // no leading or trailing spaces (inner spaces are percent-encoded by the parser).
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(input)) throw invalid('it contains control characters');
  if (/^ | $/.test(input)) throw invalid('it has leading or trailing spaces');
  // Response splitting via the Location header, even when a later hop decodes it.
  if (/%0[ad]/i.test(input)) throw invalid('it contains an encoded line break');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalid('it is not an absolute URL');
  }
  // javascript:, data:, vbscript:, file:, ftp: ... are never redirect targets.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('only http and https URLs can be shortened');
  if (url.hostname === '') throw invalid('it has no host');
  // Credentials in URLs are a phishing device (https://bank.com@evil.example/).
  if (url.username !== '' || url.password !== '') throw invalid('it contains credentials');
  const target = url.href;
  if (Buffer.byteLength(target, 'utf8') > MAX_URL_BYTES) throw invalid(`longer than ${MAX_URL_BYTES} bytes once normalised`);
  if (/%0[ad]/i.test(target)) throw invalid('it contains an encoded line break');
  // Redirect loops and chains through our own short links, under any spelling of host and path.
  if (pointsAtOwnShortLink(url, self)) throw invalid('it points at one of this server\'s own short links');
  return target;
}
