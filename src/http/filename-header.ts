// The file name a client gives in headers. HTTP header values are bytes that Node reads as
// Latin-1, so a UTF-8 name sent as is ("grüße.txt") arrived as mojibake ("grÃ¼ÃŸe.txt"). Three
// spellings carry the intended Unicode: RFC 8187 `X-Filename*: UTF-8''gr%C3%BC%C3%9Fe.txt`
// (preferred when both are sent), percent-encoded UTF-8 in `X-Filename`, and raw UTF-8 bytes.
// The result is still only a suggestion: core/filename.ts sanitises it like any other name.
import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../core/errors.js';

const EXT_VALUE = /^([A-Za-z0-9!#$&+^`{}~_-]+)'([A-Za-z0-9-]*)'(.*)$/;

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new AppError('INVALID_REQUEST', `${name} must be given once.`);
  return value;
}

/** Percent-decodes to bytes; null when an escape is malformed. */
function percentBytes(text: string): Buffer | null {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char !== 0x25) {
      // Outside escapes only the Latin-1 code units Node handed us: one byte each.
      bytes.push(char & 0xff);
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes);
}

/** RFC 8187 ext-value; only UTF-8 (the one charset RFC 8187 requires, and all a client needs). */
function fromExtValue(value: string): string {
  const match = EXT_VALUE.exec(value.trim());
  const bytes = match ? percentBytes(match[3] as string) : null;
  if (!match || (match[1] as string).toLowerCase() !== 'utf-8' || bytes === null || !isUtf8(bytes)) {
    throw new AppError('INVALID_REQUEST', "X-Filename* must be UTF-8'' followed by the percent-encoded UTF-8 name (RFC 8187).");
  }
  return bytes.toString('utf8');
}

/**
 * `X-Filename`: percent-encoded UTF-8 is decoded, raw UTF-8 bytes are read as UTF-8; anything else
 * (a literal "100%.txt", a real Latin-1 name) is kept as it came.
 */
function fromPlainValue(value: string): string {
  const bytes = value.includes('%') ? percentBytes(value) : Buffer.from(value, 'latin1');
  if (bytes !== null && isUtf8(bytes)) return bytes.toString('utf8');
  const raw = Buffer.from(value, 'latin1');
  return isUtf8(raw) ? raw.toString('utf8') : value;
}

/**
 * The client's intended file name from `X-Filename*` or `X-Filename`, or null when neither is sent.
 * @example filenameFromHeaders({ 'x-filename*': "UTF-8''gr%C3%BC%C3%9Fe.txt" }) === 'grüße.txt'
 */
export function filenameFromHeaders(headers: IncomingHttpHeaders): string | null {
  const extended = single(headers, 'x-filename*');
  if (extended !== undefined) return fromExtValue(extended);
  const plain = single(headers, 'x-filename');
  return plain === undefined ? null : fromPlainValue(plain);
}
