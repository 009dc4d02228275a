// Which Accept headers get the browser page (issue 14): HTML named explicitly and preferred to JSON.
import { describe, expect, it } from 'vitest';
import { prefersPage } from '../../../src/http/web-negotiation.js';
import { CHROMIUM_ACCEPT, FIREFOX_ACCEPT } from '../../helpers/web.js';

describe('prefersPage', () => {
  it.each([
    ['Chromium navigation', CHROMIUM_ACCEPT],
    ['Firefox navigation', FIREFOX_ACCEPT],
    ['Safari navigation', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ['plain text/html', 'text/html'],
    ['upper case', 'TEXT/HTML'],
    ['HTML first at equal quality', 'text/html, application/json'],
    ['HTML at a higher quality', 'application/json;q=0.5, text/html'],
  ])('page for %s', (_label, accept) => {
    expect(prefersPage(accept)).toBe(true);
  });

  it.each([
    ['no Accept', undefined],
    ['empty', ''],
    ["curl's */*", '*/*'],
    ['application/json', 'application/json'],
    ['HTML at a lower quality', 'text/html;q=0.5, application/json'],
    ['JSON first at equal quality (the header order decides a tie)', 'application/json, text/html'],
    ['text/* (HTML not named)', 'text/*'],
    ['HTML refused', 'text/html;q=0'],
    ['HTML refused, anything else welcome', 'text/html;q=0, */*'],
    ['garbage', ';;;,,=q'],
    ['an absurdly long header', `text/html${',x/y'.repeat(2000)}`],
  ])('JSON for %s', (_label, accept) => {
    expect(prefersPage(accept)).toBe(false);
  });
});
