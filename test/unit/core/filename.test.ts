import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contentDisposition, sanitizeFilename } from '../../../src/core/filename.js';
import { unicodeString } from '../../helpers/arbitraries.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** True when the string survives a UTF-8 round trip (no lone surrogates, nothing cut in half). */
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text;

describe('sanitizeFilename', () => {
  it('returns null for nothing usable', () => {
    for (const input of [undefined, null, '', '.', '..', '...', '/', '\\', '../', '..\\..\\', '   ', ' . ', '\r\n', '\u0000', '\u202e', 'dir/']) {
      expect(sanitizeFilename(input), JSON.stringify(input)).toBeNull();
    }
  });

  it('keeps only the last path component, for / and \\', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('/etc/shadow')).toBe('shadow');
    expect(sanitizeFilename('..\\..\\Windows\\System32\\cmd.exe')).toBe('cmd.exe');
    expect(sanitizeFilename('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(sanitizeFilename('a/b\\c/../d.txt')).toBe('d.txt');
    expect(sanitizeFilename('..%2f..%2fetc%2fpasswd')).not.toMatch(/[/\\]/);
  });

  it('removes CR, LF, NUL and other control characters (header injection)', () => {
    expect(sanitizeFilename('a.txt\r\nSet-Cookie: x=1')).toBe('a.txtSet-Cookie_ x=1');
    expect(sanitizeFilename('na\u0000me\u001b[31m.txt')).toBe('name[31m.txt');
    expect(sanitizeFilename('tab\there\u007f\u0085\u009f.txt')).toBe('tabhere.txt');
  });

  it('removes bidi overrides and invisible format characters (extension spoofing)', () => {
    expect(sanitizeFilename('invoice\u202efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFilename('a\u200bb\u200ec\u200fd\u202ae\u202bf\u202cg\u202dh\u2066i\u2067j\u2068k\u2069l\ufeff.txt')).toBe('abcdefghijkl.txt');
  });

  it('replaces quotes and shell or path specials', () => {
    expect(sanitizeFilename('say "hi".txt')).toBe('say _hi_.txt');
    expect(sanitizeFilename("it's `x`;y:z*?<>|.txt")).toBe('it_s _x__y_z_____.txt');
  });

  it('drops leading dots and whitespace, trailing dots and whitespace', () => {
    expect(sanitizeFilename('.bashrc')).toBe('bashrc');
    expect(sanitizeFilename('..hidden')).toBe('hidden');
    expect(sanitizeFilename('  name.txt  ')).toBe('name.txt');
    expect(sanitizeFilename('name.txt...')).toBe('name.txt');
    expect(sanitizeFilename('name. . .')).toBe('name');
  });

  it('normalises to NFC', () => {
    expect(sanitizeFilename('re\u0301sume\u0301.pdf')).toBe('r\u00e9sum\u00e9.pdf');
  });

  it('keeps ordinary names, including non-ASCII ones, unchanged', () => {
    for (const name of ['report.pdf', 'résumé.pdf', '日本語のファイル.txt', 'emoji 😀.png', 'a-b_c (1).tar.gz']) expect(sanitizeFilename(name)).toBe(name);
  });

  it('cuts long names to at most 200 bytes without breaking a UTF-8 character', () => {
    expect(sanitizeFilename('a'.repeat(500))).toBe('a'.repeat(200));
    expect(sanitizeFilename('é'.repeat(150))).toBe('é'.repeat(100));
    const emoji = sanitizeFilename('x' + '😀'.repeat(60)) as string; // 1 + 240 bytes
    expect(bytes(emoji)).toBeLessThanOrEqual(200);
    expect(emoji).toBe('x' + '😀'.repeat(49));
    expect(wellFormed(emoji)).toBe(true);
    const three = sanitizeFilename('ab' + '€'.repeat(80)) as string; // 2 + 240 bytes
    expect(three).toBe('ab' + '€'.repeat(66));
  });

  it('does not leave a trailing dot or space when cutting a long name', () => {
    // The rule "no trailing dots or spaces" must hold for the name actually returned.
    const dotted = sanitizeFilename('a'.repeat(199) + '.txt') as string;
    expect(bytes(dotted)).toBeLessThanOrEqual(200);
    expect(dotted).not.toMatch(/[.\s]$/);
    const spaced = sanitizeFilename('a'.repeat(199) + ' b.txt') as string;
    expect(spaced).not.toMatch(/[.\s]$/);
  });

  it('always returns null or a safe name (property)', () => {
    const fragment = fc.oneof(
      unicodeString(20),
      fc.constantFrom('/', '\\', '..', '.', ' ', '\r', '\n', '\u0000', '"', "'", '\u202e', '\u200b', '\u2066', 'é', '😀', '\u0301', 'a'.repeat(60)),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 30 }), (parts) => {
        const result = sanitizeFilename(parts.join(''));
        if (result === null) return;
        expect(result.length).toBeGreaterThan(0);
        expect(bytes(result)).toBeLessThanOrEqual(200);
        expect(wellFormed(result)).toBe(true);
        // eslint-disable-next-line no-control-regex
        expect(result).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(result).not.toMatch(/[/\\"'`;:*?<>|]/);
        expect(result).not.toMatch(/[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/);
        expect(result).not.toMatch(/^[.\s]/);
        expect(result).not.toMatch(/^\.\.?$/);
      }),
      { numRuns: 400 },
    );
  });
});

describe('contentDisposition', () => {
  it('is the bare kind without a filename', () => {
    expect(contentDisposition('inline', null)).toBe('inline');
    expect(contentDisposition('attachment', null)).toBe('attachment');
  });

  it('uses only a quoted filename for plain ASCII names', () => {
    expect(contentDisposition('attachment', 'report.pdf')).toBe('attachment; filename="report.pdf"');
    expect(contentDisposition('inline', 'a b (1).txt')).toBe('inline; filename="a b (1).txt"');
  });

  it('adds filename* (RFC 8187) with an ASCII fallback for non-ASCII names', () => {
    expect(contentDisposition('attachment', 'résumé.pdf')).toBe(`attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
    expect(contentDisposition('inline', '😀.png')).toBe(`inline; filename="__.png"; filename*=UTF-8''%F0%9F%98%80.png`);
  });

  it('never lets quotes, backslashes or percent signs into the quoted fallback', () => {
    const value = contentDisposition('attachment', 'a"b\\c%41.txt');
    expect(value).toBe(`attachment; filename="a_b_c_41.txt"; filename*=UTF-8''a%22b%5Cc%2541.txt`);
  });

  it('encodes the characters RFC 8187 does not allow raw', () => {
    expect(contentDisposition('attachment', "it's (x)*.txt")).toBe(`attachment; filename="it's (x)*.txt"`);
    expect(contentDisposition('attachment', "é's (x)*.txt")).toBe(`attachment; filename="_'s (x)*.txt"; filename*=UTF-8''%C3%A9%27s%20%28x%29%2A.txt`);
  });

  it('gives a printable-ASCII header whose filename* decodes back to the name (property)', () => {
    fc.assert(
      fc.property(unicodeString(40), fc.constantFrom('inline' as const, 'attachment' as const), (input, kind) => {
        const name = sanitizeFilename(input);
        const value = contentDisposition(kind, name);
        expect(value).toMatch(/^[\x20-\x7e]+$/);
        if (name === null) return;
        const match = /^(inline|attachment); filename="([^"\\]*)"(?:; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+))?$/.exec(value);
        expect(match, value).not.toBeNull();
        const [, , fallback, encoded] = match as RegExpExecArray;
        expect(encoded === undefined ? fallback : decodeURIComponent(encoded)).toBe(name);
      }),
      { numRuns: 300 },
    );
  });
});
