// The web page's pure helpers (src/web): view routing below a URL prefix, the key from the fragment,
// image sniffing by magic bytes, text detection and paging, download names, expiry choices and the
// sentences shown for failures.
import { describe, expect, it } from 'vitest';
import { E2eFormatError, encodeKey } from '../../../src/crypto/e2e-format.js';
import { ApiError, apiError, NetworkError } from '../../../src/web/api.js';
import { downloadName } from '../../../src/web/filename.js';
import { expiryChoices, formatBytes, formatDuration } from '../../../src/web/format.js';
import { keyFromHash } from '../../../src/web/key.js';
import { describeFailure, KEY_ON_PLAIN, NOT_FOUND } from '../../../src/web/messages.js';
import { routeFor } from '../../../src/web/route.js';
import { decodeText, imageType } from '../../../src/web/sniff.js';
import { pageBounds } from '../../../src/web/text-pages.js';

const ID = '0123456789abcdef0123456789abcdef';
const PHRASE = 'correct-horse-battery-staple-apple-tree';

describe('routeFor', () => {
  it.each([
    ['/', '', { view: 'create' }],
    ['/', '/', { view: 'create' }],
    [`/${ID}`, '', { view: 'paste', id: ID }],
    [`/download/${PHRASE}`, '', { view: 'share', phrase: PHRASE }],
    ['/paste', '/paste', { view: 'create' }],
    ['/paste/', '/paste', { view: 'create' }],
    ['/paste/', '/paste/', { view: 'create' }],
    [`/paste/${ID}`, '/paste', { view: 'paste', id: ID }],
    [`/paste/download/${PHRASE}`, '/paste', { view: 'share', phrase: PHRASE }],
  ])('%s below %j', (path, base, expected) => {
    expect(routeFor(path, base)).toEqual(expected);
  });

  it.each([
    [`/${ID}`, '/paste'],
    [`/pastex/${ID}`, '/paste'],
    [`/${ID.toUpperCase()}`, ''],
    [`/${ID}0`, ''],
    [`/${ID}/raw`, ''],
    ['/download/a-b-c-d-e', ''],
    ['/download/a-b-c-d-e-f-g', ''],
    ['/download/a-b-c-d-e-F', ''],
    ['/download/a--b-c-d-e', ''],
    ['/status/a-b-c-d-e-f', ''],
    [`/download/${'a'.repeat(33)}-b-c-d-e-f`, ''],
    ['/web/app.js', ''],
  ])('%s below %j is no view', (path, base) => {
    expect(routeFor(path, base)).toEqual({ view: 'unknown' });
  });
});

describe('keyFromHash', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const text = encodeKey(key);

  it('reads a 43-character base64url key after #', () => {
    const got = keyFromHash(`#${text}`);
    expect(got.kind).toBe('key');
    expect(got.kind === 'key' && Buffer.from(got.key).equals(Buffer.from(key))).toBe(true);
  });

  it('is none for an empty fragment', () => {
    expect(keyFromHash('')).toEqual({ kind: 'none' });
    expect(keyFromHash('#')).toEqual({ kind: 'none' });
  });

  it('accepts a percent-encoded fragment, as fpaste does', () => {
    expect(keyFromHash(`#${encodeURIComponent(text).replace(/A/g, '%41')}`).kind).toBe('key');
  });

  it.each([`#${text.slice(1)}`, `#${text}x`, `#${text.slice(0, 42)}+`, `#${text.slice(0, 42)}B`, '#%zz', '#not a key'])('calls %s malformed', (hash) => {
    const got = keyFromHash(hash);
    expect(got.kind).toBe('malformed');
    expect(got.kind === 'malformed' && got.message).toMatch(/damaged/);
  });
});

describe('imageType', () => {
  const pad = (bytes: number[]) => Uint8Array.from([...bytes, ...new Array(16).fill(0)]);
  it.each([
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
    [[0xff, 0xd8, 0xff, 0xe0], 'image/jpeg'],
    [[...Buffer.from('GIF89a')], 'image/gif'],
    [[...Buffer.from('GIF87a')], 'image/gif'],
    [[...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBP')], 'image/webp'],
  ])('recognises %j', (bytes, type) => {
    expect(imageType(pad(bytes))).toBe(type);
  });

  it.each([
    ['an SVG', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ['HTML', '<!doctype html><script>alert(1)</script>'],
    ['a RIFF that is not WebP', 'RIFF\u0001\u0002\u0003\u0004WAVEfmt '],
    ['GIF with a bad version', 'GIF88a'],
    ['a truncated PNG signature', '\u0089PNG'],
    ['nothing', ''],
  ])('refuses %s', (_label, text) => {
    expect(imageType(new TextEncoder().encode(text))).toBeNull();
  });
});

describe('decodeText', () => {
  it('decodes UTF-8 text', () => {
    expect(decodeText(new TextEncoder().encode('héllo\n<script>'))).toBe('héllo\n<script>');
  });
  it('refuses invalid UTF-8 and NUL bytes', () => {
    expect(decodeText(Uint8Array.of(0xff, 0xfe, 0x41))).toBeNull();
    expect(decodeText(Uint8Array.of(0x41, 0x00, 0x42))).toBeNull();
  });
});

describe('pageBounds', () => {
  function pages(text: string, size: number): string[] {
    const bounds = pageBounds(text, size);
    expect(bounds[0]).toBe(0);
    expect(bounds.at(-1)).toBe(text.length);
    return bounds.slice(1).map((end, i) => text.slice(bounds[i], end));
  }

  it('keeps a short text on one page, and an empty one too', () => {
    expect(pageBounds('abc', 10)).toEqual([0, 3]);
    expect(pageBounds('', 10)).toEqual([0, 0]);
  });

  it('splits a long text into pages no larger than the size that join back to it', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n');
    const parts = pages(text, 1000);
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    // Line breaks are preferred near the end of a page.
    expect(parts.slice(0, -1).every((part) => part.endsWith('\n'))).toBe(true);
  });

  it('never cuts a surrogate pair, even without line breaks', () => {
    const text = '😀'.repeat(1000);
    const parts = pages(text, 101);
    expect(parts.join('')).toBe(text);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(101);
      expect(part.length % 2).toBe(0);
    }
  });

  it('pages 200 KB by default', () => {
    expect(pageBounds('a'.repeat(450_000))).toEqual([0, 200_000, 400_000, 450_000]);
  });
});

describe('downloadName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\evil.exe', 'evil.exe'],
    ['.bashrc', 'bashrc'],
    ['...', 'file'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['a\u0000b\nc\u001bd', 'abcd'],
    ['', 'file'],
    [undefined, 'file'],
  ])('%j → %j', (name, expected) => {
    expect(downloadName(name, 'file')).toBe(expected);
  });

  it('falls back to "paste" for pastes and caps the length at 200', () => {
    expect(downloadName(null, 'paste')).toBe('paste');
    const long = downloadName(`${'é'.repeat(300)}.txt`, 'paste');
    expect(long.length).toBeLessThanOrEqual(200);
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(200);
  });
});

describe('formatting', () => {
  it('formats sizes and durations', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100 MiB');
    expect(formatDuration(86400)).toBe('1 day');
    expect(formatDuration(7200)).toBe('2 hours');
    expect(formatDuration(90)).toBe('90 seconds');
  });

  it('offers expiries up to the server maximum, the default preselected', () => {
    const choices = expiryChoices(7 * 86400, 30 * 86400);
    expect(choices.map((c) => c.value)).toEqual(['600', '3600', '86400', '604800', '2592000']);
    expect(choices.filter((c) => c.selected).map((c) => c.value)).toEqual(['604800']);
  });

  it('adds an unusual default, and "never" as no header', () => {
    expect(expiryChoices(7200, 86400).map((c) => c.value)).toEqual(['600', '3600', '7200', '86400']);
    const never = expiryChoices(0, 0);
    expect(never.at(-1)).toEqual({ value: '', label: 'Never (default)', selected: true });
    expect(never.map((c) => c.value)).toContain('31536000');
  });
});

describe('describeFailure', () => {
  it('names a wrong key, truncation and plain content under a key', () => {
    expect(describeFailure(new E2eFormatError('auth', 'x', 0))).toMatch(/key in the link is wrong/);
    expect(describeFailure(new E2eFormatError('auth', 'x', 3))).toMatch(/altered or cut off/);
    expect(describeFailure(new E2eFormatError('truncated', 'x'))).toMatch(/incomplete/);
    expect(describeFailure(new E2eFormatError('not-e2e', 'x'))).toBe(KEY_ON_PLAIN);
  });

  it('says not found for every 404, and shows the contract message otherwise', () => {
    expect(describeFailure(apiError(404, '{"error_code":"NOT_FOUND","message":"not found"}', null))).toBe(NOT_FOUND);
    const limited = apiError(429, '{"error_code":"RATE_LIMITED","message":"slow down","retry_after":12}', '12');
    expect(limited).toBeInstanceOf(ApiError);
    expect(describeFailure(limited)).toBe('The server refused: slow down (RATE_LIMITED). Try again in 12 s.');
    expect(describeFailure(apiError(502, '<html>bad gateway</html>', null))).toBe('The server refused: the server answered 502 (HTTP_502).');
    expect(describeFailure(new NetworkError('x'))).toMatch(/Could not reach the server/);
    expect(describeFailure(new E2eFormatError('auth', 'x', 0), { burned: true })).toMatch(/destroyed it/);
  });
});
