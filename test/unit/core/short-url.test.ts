// Open-redirect and injection safety of short-link targets, case by case.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShortId, MAX_URL_BYTES, newShortId, NO_SELF, normalizeTarget } from '../../../src/core/short-url.js';
import type { SelfNames } from '../../../src/core/self-link.js';

const refuse = (input: string, own: SelfNames = NO_SELF) => expect(() => normalizeTarget(input, own)).toThrow(expect.objectContaining({ code: 'INVALID_URL' }));

describe('short-link targets', () => {
  it('normalises with the WHATWG parser and keeps http/https', () => {
    expect(normalizeTarget('HTTPS://Example.ORG/a b?q=1#frag', NO_SELF)).toBe('https://example.org/a%20b?q=1#frag');
    expect(normalizeTarget('http://example.org', NO_SELF)).toBe('http://example.org/');
    expect(normalizeTarget('https://xn--bcher-kva.example/', NO_SELF)).toBe('https://xn--bcher-kva.example/');
    expect(normalizeTarget('https://bücher.example/', NO_SELF)).toBe('https://xn--bcher-kva.example/');
  });

  it.each(['javascript:alert(1)', 'JavaScript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,<script>alert(1)</script>', 'DATA:text/html;base64,PHNjcmlwdD4=', 'vbscript:msgbox(1)', 'VBScript:msgbox(1)', 'file:///etc/passwd', 'FILE:///etc/passwd', 'ftp://example.org/', 'mailto:a@example.org', 'blob:https://example.org/x'])(
    'refuses the scheme of %s',
    (input) => refuse(input),
  );

  it.each([' javascript:alert(1)', '\tjavascript:alert(1)', '\njavascript:alert(1)', '\u0000javascript:alert(1)', '\u001fhttps://example.org', ' https://example.org', 'https://example.org ', 'java\tscript:alert(1)', 'java\nscript:alert(1)'])(
    'refuses leading whitespace or control characters: %j',
    (input) => refuse(input),
  );

  it.each(['https://example.org/\r\nSet-Cookie: a=b', 'https://example.org/%0d%0aSet-Cookie:a=b', 'https://example.org/%0D%0ALocation:x', 'https://example.org/?q=%0a', 'https://example.org/\u2028x%0A'])('refuses raw or encoded CR/LF: %j', (input) => refuse(input));

  it.each(['https://user:pass@example.org/', 'https://user@example.org/', 'https://bank.example@evil.example/', 'https://:pw@example.org/'])('refuses credentials: %s', (input) => refuse(input));

  it.each(['https://', 'example.org', '/relative', '//example.org/x', 'http://', ''])('refuses what has no host or is not absolute: %j', (input) => refuse(input));

  it('stores what the WHATWG parser makes of sloppy but unambiguous forms', () => {
    expect(normalizeTarget('http:///path', NO_SELF)).toBe('http://path/');
    expect(normalizeTarget('https:example.org', NO_SELF)).toBe('https://example.org/');
  });

  it('refuses more than 2048 bytes, before and after normalisation', () => {
    const head = 'https://example.org/';
    expect(normalizeTarget(head + 'a'.repeat(MAX_URL_BYTES - head.length), NO_SELF)).toHaveLength(MAX_URL_BYTES);
    refuse(head + 'a'.repeat(MAX_URL_BYTES - head.length + 1));
    // Inner spaces grow to %20 when normalised.
    refuse(head + ' a'.repeat(900));
  });

  it("refuses this server's own short links (no loops), in any case", () => {
    const own: SelfNames = { hosts: ['paste.example', '127.0.0.1:8080'], pathPrefix: '' };
    refuse('https://paste.example/s/abcdEFGH', own);
    refuse('HTTPS://PASTE.EXAMPLE/s/abcdEFGH', own);
    refuse('http://127.0.0.1:8080/s/abcdEFGH', own);
    expect(normalizeTarget('https://paste.example/other', own)).toBe('https://paste.example/other');
  });

  it('never yields a target with a line break, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (tail) => {
        try {
          const target = normalizeTarget(`https://example.org/${tail}`, NO_SELF);
          expect(target).not.toMatch(/[\r\n]|%0[ad]/i);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('INVALID_URL');
        }
      }),
    );
  });
});

describe('short ids', () => {
  it('are 8 base62 characters', () => {
    for (let i = 0; i < 200; i++) expect(isShortId(newShortId())).toBe(true);
    expect(isShortId('abc')).toBe(false);
    expect(isShortId('abcdefg!')).toBe(false);
    expect(isShortId('abcdefghi')).toBe(false);
  });
});
