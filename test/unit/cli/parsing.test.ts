// What users type: item references, durations and times, server URLs, fingerprints, config files,
// and the one-line descriptions of contract errors.
import { describe, expect, it } from 'vitest';
import { normalizeSerial } from '../../../src/cli/commands/pki.js';
import { normalizeFingerprint, normalizeServer, parseConfigText } from '../../../src/cli/config.js';
import { describeApiError, UsageError } from '../../../src/cli/errors.js';
import { looksBinary, safeFilename } from '../../../src/cli/output.js';
import { isDicewarePhrase, parseDuration, parsePasteRef, parseShareRef, parseTime } from '../../../src/cli/refs.js';

const ID = '0123456789abcdef0123456789abcdef';
const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';

describe('references', () => {
  it('paste ids and URLs, with and without prefix, /raw and #key', () => {
    expect(parsePasteRef(ID)).toEqual({ id: ID });
    expect(parsePasteRef(ID.toUpperCase())).toEqual({ id: ID });
    expect(parsePasteRef(`${ID}#${KEY}`)).toEqual({ id: ID, key: KEY });
    expect(parsePasteRef(`https://h.example/${ID}#${KEY}`)).toEqual({ id: ID, base: 'https://h.example', key: KEY });
    expect(parsePasteRef(`http://h.example:8080/paste/${ID}/raw`)).toEqual({ id: ID, base: 'http://h.example:8080/paste' });
    for (const bad of ['', 'abc', `${ID}0`, `ftp://h/${ID}`, 'https://h.example/short']) expect(() => parsePasteRef(bad)).toThrow(UsageError);
  });

  it('diceware keys and download URLs', () => {
    const phrase = 'correct-battery-staple-cactus-lantern-walrus';
    expect(isDicewarePhrase(phrase)).toBe(true);
    expect(isDicewarePhrase('a-b-c-d-e')).toBe(false);
    expect(isDicewarePhrase('a-b-c-d-e-F')).toBe(false);
    expect(parseShareRef(phrase)).toEqual({ phrase });
    expect(parseShareRef(`${phrase}#${KEY}`)).toEqual({ phrase, key: KEY });
    expect(parseShareRef(`https://h.example/p/download/${phrase}#${KEY}`)).toEqual({ phrase, base: 'https://h.example/p', key: KEY });
    expect(() => parseShareRef(`https://h.example/raw/${phrase}`)).toThrow(UsageError);
  });

  it('durations and times', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('10m')).toBe(600);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('3d')).toBe(259200);
    expect(parseDuration('2W')).toBe(1209600);
    for (const bad of ['', '0', '-1', '1.5h', 'soon', '1e3']) expect(() => parseDuration(bad)).toThrow(UsageError);
    const now = Date.UTC(2024, 4, 10) ;
    expect(parseTime('1700000000', '--after', now)).toBe(1700000000);
    expect(parseTime('1d', '--after', now)).toBe(now / 1000 - 86400);
    expect(parseTime('2024-05-01T00:00:00Z', '--after', now)).toBe(Date.UTC(2024, 4, 1) / 1000);
    expect(() => parseTime('yesterday', '--after', now)).toThrow(UsageError);
  });
});

describe('settings', () => {
  it('server URLs are normalised; anything but plain http(s) is refused', () => {
    expect(normalizeServer('https://h.example/paste/')).toBe('https://h.example/paste');
    expect(normalizeServer('HTTP://H.example')).toBe('http://h.example');
    for (const bad of ['h.example', 'ftp://h', 'https://u:p@h', 'https://h/?q=1', 'https://h/#x']) expect(() => normalizeServer(bad)).toThrow(UsageError);
  });

  it('fingerprints: colons, case and a sha256: prefix are accepted; wrong lengths are not', () => {
    const hex = 'ab'.repeat(32);
    expect(normalizeFingerprint(hex.toUpperCase().match(/../g)?.join(':') as string)).toBe(hex);
    expect(normalizeFingerprint(`sha256:${hex}`)).toBe(hex);
    expect(() => normalizeFingerprint('ab'.repeat(20))).toThrow(UsageError);
  });

  it('config files: comments, quotes; unknown names and malformed lines are errors', () => {
    expect(parseConfigText('# hi\n\nserver = https://h\nca = "/etc/ca.pem"\n', 'c')).toEqual({ server: 'https://h', ca: '/etc/ca.pem' });
    expect(() => parseConfigText('sevrer = https://h', 'c')).toThrow(/unknown setting "sevrer"/);
    expect(() => parseConfigText('server https://h', 'c')).toThrow(/c:1/);
  });
});

describe('output safety', () => {
  it('file names from others lose paths, control characters and leading dots', () => {
    expect(safeFilename('../../etc/passwd', 'x')).toBe('passwd');
    expect(safeFilename('..\\..\\boot.ini', 'x')).toBe('boot.ini');
    expect(safeFilename('.bashrc', 'x')).toBe('bashrc');
    expect(safeFilename('evil\u001b[2Jname', 'x')).toBe('evil[2Jname');
    expect(safeFilename('', 'fallback')).toBe('fallback');
    expect(safeFilename('/', 'fallback')).toBe('fallback');
  });

  it('is the server sanitiser: bidi overrides and C1 controls go too', () => {
    expect(safeFilename('invoice\u202Efdp\u0085\u009b.exe', 'x')).toBe('invoicefdp.exe');
    expect(safeFilename('\u202E\u0085', 'fallback')).toBe('fallback');
  });

  it('binary detection: NUL or invalid UTF-8; a character cut at the sample edge is still text', () => {
    expect(looksBinary(Buffer.from('plain text ✓'), true)).toBe(false);
    expect(looksBinary(Buffer.from([0x61, 0x00, 0x62]), true)).toBe(true);
    expect(looksBinary(Buffer.from([0xff, 0xfe]), true)).toBe(true);
    const cut = Buffer.from('text ✓').subarray(0, 7);
    expect(looksBinary(cut, false)).toBe(false);
    expect(looksBinary(cut, true)).toBe(true);
  });
});

describe('contract errors in one line', () => {
  it('rate limits and blocks say when to retry; integrity failures say so', () => {
    expect(describeApiError(429, 'RATE_LIMITED', {}, 90)).toMatch(/^rate limited by the server: try again in 2 min \(after \d\d:\d\d:\d\d\)$/);
    expect(describeApiError(429, 'BLOCKED', {}, 1800)).toMatch(/blocked .* try again in 30 min/);
    expect(describeApiError(413, 'TOO_LARGE', { message: 'The content is larger than 10 bytes.' }, null)).toBe('too large: The content is larger than 10 bytes.');
    expect(describeApiError(500, 'INTEGRITY_CHECK_FAILED', { integrity_report: { detail: 'chunk 3: chunk failed authentication' } }, null)).toContain('chunk 3');
    expect(describeApiError(418, 'SOMETHING_NEW', { message: 'New.', request_id: 'r1' }, null)).toBe('New. [SOMETHING_NEW] (request r1)');
  });

  it('a quota refusal says which quota and how much of it is in use', () => {
    expect(describeApiError(413, 'QUOTA_EXCEEDED', { quota: 'bytes', used: 900, limit: 1000 }, null)).toMatch(/^quota exceeded: 900 of 1000 bytes in use; delete some/);
    expect(describeApiError(413, 'QUOTA_EXCEEDED', { quota: 'items', used: 5, limit: 5 }, null)).toMatch(/^quota exceeded: 5 of 5 live items in use/);
    expect(describeApiError(413, 'QUOTA_EXCEEDED', { message: 'Over.' }, null)).toMatch(/^quota exceeded: Over\.;/);
  });
});

describe('certificate serials (pki revoke)', () => {
  it('hex as listed, or with colons and capitals as openssl prints it', () => {
    expect(normalizeSerial('5f3ac1')).toBe('5f3ac1');
    expect(normalizeSerial('5F:3A:C1')).toBe('5f3ac1');
    for (const bad of ['', 'xyz', '5f3a-c1', 'a'.repeat(41), '../5f']) expect(() => normalizeSerial(bad), bad).toThrow(UsageError);
  });
});
