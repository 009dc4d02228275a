// What users type to name an item: a paste id, a paste URL (possibly with #key), a diceware
// download key or its URL; and durations and times for --expiry, --after and --before.
import { normalizeServer } from './config.js';
import { UsageError } from './errors.js';

export interface PasteRef {
  id: string;
  /** The server the URL points at (absent for a bare id: the configured server). */
  base?: string;
  /** The fragment: the end-to-end key. */
  key?: string;
}

const ID = /^[0-9a-f]{32}$/;

/** Six lowercase words joined by "-" (checked without a backtracking-prone pattern). */
export function isDicewarePhrase(text: string): boolean {
  const words = text.split('-');
  return words.length === 6 && words.every((word) => /^[a-z]{1,32}$/.test(word));
}

function splitFragment(text: string): [string, string | undefined] {
  const at = text.indexOf('#');
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** "ID", "ID#key", "https://host/prefix/ID[/raw][#key]". */
export function parsePasteRef(text: string): PasteRef {
  const trimmed = text.trim();
  const [bare, fragment] = splitFragment(trimmed);
  if (/^[0-9a-fA-F]{32}$/.test(bare)) return withKey({ id: bare.toLowerCase() }, fragment);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new UsageError(`${JSON.stringify(text)} is neither a paste id (32 hex digits) nor a paste URL`);
  }
  if (!/^https?:$/.test(url.protocol)) throw new UsageError(`${JSON.stringify(text)} is not an http(s) URL`);
  const parts = url.pathname.split('/');
  if (parts[parts.length - 1] === 'raw') parts.pop();
  const id = (parts.pop() ?? '').toLowerCase();
  if (!ID.test(id)) throw new UsageError(`${JSON.stringify(text)} does not end in a paste id`);
  const base = normalizeServer(`${url.origin}${parts.join('/')}`);
  return withKey({ id, base }, url.hash.replace(/^#/, ''));
}

function withKey(ref: PasteRef, fragment: string | undefined): PasteRef {
  if (fragment) ref.key = decodeURIComponent(fragment);
  return ref;
}

export interface ShareRef {
  /** The diceware phrase. */
  phrase: string;
  base?: string;
  key?: string;
}

/** "word-word-word-word-word-word[#key]" or "https://host/prefix/download/PHRASE[#key]". */
export function parseShareRef(text: string): ShareRef {
  const trimmed = text.trim();
  const [bare, fragment] = splitFragment(trimmed);
  if (isDicewarePhrase(bare)) return { phrase: bare, ...(fragment ? { key: fragment } : {}) };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new UsageError(`${JSON.stringify(text)} is neither a download key (six words joined by -) nor a download URL`);
  }
  const parts = url.pathname.split('/');
  const phrase = decodeURIComponent(parts.pop() ?? '');
  const kind = parts.pop();
  if (!/^https?:$/.test(url.protocol) || !['download', 'preview', 'status'].includes(kind ?? '') || !isDicewarePhrase(phrase)) {
    throw new UsageError(`${JSON.stringify(text)} is not a download URL (…/download/word-word-word-word-word-word)`);
  }
  const ref: ShareRef = { phrase, base: normalizeServer(`${url.origin}${parts.join('/')}`) };
  if (url.hash.length > 1) ref.key = url.hash.slice(1);
  return ref;
}

const UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** "90", "90s", "10m", "1h", "3d", "2w", "1y" → seconds (≥ 1). */
export function parseDuration(text: string, what = 'duration'): number {
  const match = /^\s*([0-9]+)\s*(s|m|min|h|d|w|y)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`${what} must be seconds or a number with s, m, h, d, w or y (e.g. 1h, 3d), not ${JSON.stringify(text)}`);
  const seconds = Number(match[1]) * (UNITS[(match[2] ?? 's').toLowerCase()] as number);
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new UsageError(`${what} must be at least 1 second`);
  return seconds;
}

/** --after/--before: Unix seconds, an ISO date/time, or a duration meaning "that long ago". */
export function parseTime(text: string, what: string, now = Date.now()): number {
  const trimmed = text.trim();
  if (/^[0-9]{9,}$/.test(trimmed)) return Number(trimmed);
  if (/^[0-9]+\s*(s|m|min|h|d|w|y)$/i.test(trimmed)) return Math.floor(now / 1000) - parseDuration(trimmed, what);
  const parsed = Date.parse(trimmed);
  if (Number.isNaN(parsed)) throw new UsageError(`${what} must be Unix seconds, a date like 2024-05-01 or 2024-05-01T12:00, or an age like 3d`);
  return Math.floor(parsed / 1000);
}
