import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideType, dispositionKind, isActiveType, isTextual, normalizeClaimedType, servedType } from '../../../src/core/content-type.js';
import type { Detection } from '../../../src/core/content-type.js';

function detect(overrides: Partial<Detection> & { text?: string }): Detection {
  const head = overrides.head ?? Buffer.from(overrides.text ?? 'plain words', 'utf8');
  return { magic: overrides.magic ?? null, utf8: overrides.utf8 ?? true, head, claimed: overrides.claimed ?? null };
}

const ACTIVE = ['text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/xml', 'application/xml', 'application/rss+xml', 'application/atom+xml', 'application/javascript', 'text/javascript', 'application/x-javascript', 'application/ecmascript', 'text/ecmascript', 'text/jscript', 'text/xsl', 'application/x-shockwave-flash'];
const INERT = ['text/plain', 'text/css', 'text/csv', 'text/markdown', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'application/octet-stream', 'application/json', 'application/zip', 'video/mp4'];

describe('isActiveType', () => {
  it.each(ACTIVE)('%s is active', (mime) => expect(isActiveType(mime)).toBe(true));
  it.each(INERT)('%s is not active', (mime) => expect(isActiveType(mime)).toBe(false));
});

describe('isActiveType: every JavaScript MIME type of the WHATWG MIME Sniffing standard', () => {
  // A script type served as such can be pulled in with <script src> by any page, e.g. to bypass a
  // third-party CSP that trusts this host; the contract serves all JavaScript as text/plain.
  const JAVASCRIPT = ['application/ecmascript', 'application/javascript', 'application/x-ecmascript', 'application/x-javascript', 'text/ecmascript', 'text/javascript', 'text/javascript1.0', 'text/javascript1.1', 'text/javascript1.2', 'text/javascript1.3', 'text/javascript1.4', 'text/javascript1.5', 'text/jscript', 'text/livescript', 'text/x-ecmascript', 'text/x-javascript'];
  it('treats every one of them as active and serves it as text/plain', () => {
    const notActive = JAVASCRIPT.filter((mime) => !isActiveType(mime));
    const servedAsScript = JAVASCRIPT.filter((mime) => servedType(decideType(detect({ text: 'alert(1)', claimed: normalizeClaimedType(mime) }))) !== 'text/plain; charset=utf-8');
    expect(notActive).toEqual([]);
    expect(servedAsScript).toEqual([]);
  });
});

describe('decideType', () => {
  it('lets magic bytes win over the claim and over the text check', () => {
    expect(decideType(detect({ magic: 'image/png', claimed: 'text/plain', utf8: false }))).toBe('image/png');
    expect(decideType(detect({ magic: 'application/pdf', claimed: 'image/png' }))).toBe('application/pdf');
  });

  it('makes non-UTF-8 content without magic application/octet-stream, whatever was claimed', () => {
    for (const claimed of [null, 'text/plain', 'text/html', 'image/png', 'application/json']) {
      expect(decideType(detect({ utf8: false, claimed, text: '<html>' }))).toBe('application/octet-stream');
    }
  });

  it.each([
    ['<!DOCTYPE html><p>hi', 'text/html'],
    ['  \n<html lang="en">', 'text/html'],
    ['\ufeff<html>', 'text/html'],
    ['<HTML><BODY>', 'text/html'],
    ['<head><title>x', 'text/html'],
    ['<body onload="x()">', 'text/html'],
    ['<script>alert(1)</script>', 'text/html'],
    ['<svg xmlns="http://www.w3.org/2000/svg">', 'image/svg+xml'],
    ['<?xml version="1.0"?>\n<svg>', 'image/svg+xml'],
    ['<?xml version="1.0"?><root/>', 'application/xml'],
  ])('sniffs markup in text: %j is %s whatever the claim', (text, expected) => {
    expect(decideType(detect({ text }))).toBe(expected);
    expect(decideType(detect({ text, claimed: 'text/plain' }))).toBe(expected);
  });

  it('keeps a textual claim for text that is not markup', () => {
    expect(decideType(detect({ claimed: 'text/markdown' }))).toBe('text/markdown');
    expect(decideType(detect({ claimed: 'text/csv' }))).toBe('text/csv');
    expect(decideType(detect({ claimed: 'application/json', text: '{"a":1}' }))).toBe('application/json');
    expect(decideType(detect({ claimed: 'application/yaml' }))).toBe('application/yaml');
  });

  it('makes text with a non-textual claim (or none) text/plain', () => {
    expect(decideType(detect({}))).toBe('text/plain');
    expect(decideType(detect({ claimed: 'image/png' }))).toBe('text/plain');
    expect(decideType(detect({ claimed: 'application/octet-stream' }))).toBe('text/plain');
    expect(decideType(detect({ claimed: 'image/svg+xml' }))).toBe('text/plain');
    expect(decideType(detect({ claimed: 'application/pdf' }))).toBe('text/plain');
  });

  it('only sniffs markup at the start of the text', () => {
    expect(decideType(detect({ text: 'see <html> here' }))).toBe('text/plain');
  });
});

describe('servedType', () => {
  it.each(ACTIVE)('defuses %s to text/plain; charset=utf-8', (mime) => {
    expect(servedType(mime)).toBe('text/plain; charset=utf-8');
  });

  it('gives text an explicit charset and leaves binary types alone', () => {
    expect(servedType('text/plain')).toBe('text/plain; charset=utf-8');
    expect(servedType('text/markdown')).toBe('text/markdown; charset=utf-8');
    expect(servedType('application/json')).toBe('application/json; charset=utf-8');
    expect(servedType('image/png')).toBe('image/png');
    expect(servedType('application/pdf')).toBe('application/pdf');
    expect(servedType('application/octet-stream')).toBe('application/octet-stream');
  });

  it('never serves an HTML, SVG, XML or script type for any recorded type that decideType can produce', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.option(fc.constantFrom(...ACTIVE, ...INERT)), fc.option(fc.constantFrom(...ACTIVE, ...INERT)), fc.boolean(), (text, magic, claimed, utf8) => {
        const served = servedType(decideType({ magic, claimed, utf8, head: Buffer.from(text) }));
        expect(served).not.toMatch(/html|svg|xml|script|xsl|flash/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('dispositionKind', () => {
  it('is inline for text and PNG/JPEG/GIF/WebP images', () => {
    for (const mime of ['text/plain', 'text/markdown', 'text/csv', 'image/png', 'image/jpeg', 'image/gif', 'image/webp']) expect(dispositionKind(mime), mime).toBe('inline');
  });

  it('is attachment for everything else', () => {
    for (const mime of ['application/pdf', 'application/octet-stream', 'application/json', 'application/zip', 'image/tiff', 'image/bmp', 'video/mp4', 'audio/mpeg']) {
      expect(dispositionKind(mime), mime).toBe('attachment');
    }
  });

  it('is inline for active types only because they are served as text/plain', () => {
    for (const mime of ACTIVE) {
      expect(servedType(mime).startsWith('text/plain')).toBe(true);
      expect(dispositionKind(mime)).toBe('inline');
    }
  });
});

describe('normalizeClaimedType and isTextual', () => {
  it('lowercases, drops parameters and refuses implausible claims', () => {
    expect(normalizeClaimedType('Text/HTML; charset=UTF-8')).toBe('text/html');
    expect(normalizeClaimedType(' image/png ')).toBe('image/png');
    expect(normalizeClaimedType(undefined)).toBeNull();
    expect(normalizeClaimedType('')).toBeNull();
    expect(normalizeClaimedType('nonsense')).toBeNull();
    expect(normalizeClaimedType('text/plain\r\nX-Injected: 1')).toBeNull();
    expect(normalizeClaimedType('a/b/c')).toBeNull();
  });

  it('knows which recorded types are text for previews', () => {
    expect(isTextual('text/plain')).toBe(true);
    expect(isTextual('application/json')).toBe(true);
    expect(isTextual('image/svg+xml')).toBe(true);
    expect(isTextual('image/png')).toBe(false);
    expect(isTextual('application/octet-stream')).toBe(false);
  });
});
