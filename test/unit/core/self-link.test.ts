// Own short links under other spellings: host case, trailing dots, IP literal forms, loopback
// names, scheme and port, percent-encoded and dot-segment paths.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, normaliseHost, pointsAtOwnShortLink } from '../../../src/core/self-link.js';
import type { SelfNames } from '../../../src/core/self-link.js';

const PUBLIC: SelfNames = { hosts: ['paste.example'], pathPrefix: '' };
const LOOPBACK: SelfNames = { hosts: ['127.0.0.1:8080', '127.0.0.1'], pathPrefix: '' };
const ID = 'abcdEFGH';
const ours = (url: string, self: SelfNames) => pointsAtOwnShortLink(new URL(url), self);

describe('normaliseHost', () => {
  it.each([
    ['Paste.Example.', 'paste.example'],
    ['paste.example:8443', 'paste.example'],
    ['[::1]:8080', '::1'],
    ['::1', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['[::ffff:127.0.0.1]', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['LOCALHOST.', 'localhost'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseHost(input)).toBe(expected);
  });

  it('knows loopback and unspecified addresses, and nothing else', () => {
    for (const host of ['localhost', 'a.localhost', '127.0.0.1', '127.9.9.9', '::1', '0.0.0.0', '::']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['localhost.example', '128.0.0.1', '10.0.0.1', '::2', 'example.org']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('pointsAtOwnShortLink', () => {
  it.each([
    `https://paste.example/s/${ID}`,
    `HTTPS://PASTE.EXAMPLE/s/${ID}`,
    `https://paste.example./s/${ID}`,
    `http://paste.example/s/${ID}`,
    `https://paste.example:8443/s/${ID}`,
    `https://paste.example/%73/${ID}`,
    `https://paste.example/%2573/${ID}`,
    `https://paste.example/a/../s/${ID}`,
    `https://paste.example/a/%2e%2e/s/${ID}`,
    `https://paste.example\\s\\${ID}`,
    `https://paste.example/s/${ID}/info`,
  ])('public host: %s is ours', (url) => {
    expect(ours(url, PUBLIC)).toBe(true);
  });

  it.each([
    `http://localhost/s/${ID}`,
    `http://localhost.:8080/s/${ID}`,
    `http://LocalHost/s/${ID}`,
    `http://[::1]:8080/s/${ID}`,
    `http://[::ffff:127.0.0.1]/s/${ID}`,
    `http://127.0.0.1/s/${ID}`,
    `https://127.0.0.1:9999/s/${ID}`,
    `http://127.1/s/${ID}`,
    `http://0x7f000001/s/${ID}`,
    `http://0.0.0.0/s/${ID}`,
    `http://app.localhost/%73/${ID}`,
  ])('loopback listener: %s is ours', (url) => {
    expect(ours(url, LOOPBACK)).toBe(true);
  });

  it('the URL prefix is part of where short links live', () => {
    const prefixed: SelfNames = { hosts: ['paste.example'], pathPrefix: '/paste' };
    expect(ours(`https://paste.example/paste/s/${ID}`, prefixed)).toBe(true);
    expect(ours(`https://paste.example/paste/%73/${ID}`, prefixed)).toBe(true);
    expect(ours(`https://paste.example/s/${ID}`, prefixed)).toBe(false);
  });

  it.each([
    [`https://other.example/s/${ID}`, PUBLIC],
    [`https://paste.example.evil.example/s/${ID}`, PUBLIC],
    [`https://paste.example/other/${ID}`, PUBLIC],
    [`https://paste.example/S/${ID}`, PUBLIC],
    // `//s/ID` answers 404 on the server: not a short link.
    [`https://paste.example//s/${ID}`, PUBLIC],
    [`https://paste.example/${ID}`, PUBLIC],
    // A public server does not answer to localhost: someone else's local service is not ours.
    [`http://localhost/s/${ID}`, PUBLIC],
    [`http://10.0.0.1/s/${ID}`, LOOPBACK],
  ])('%s is not ours', (url, self) => {
    expect(ours(url, self)).toBe(false);
  });

  it('no names, no refusals', () => {
    expect(ours(`https://paste.example/s/${ID}`, { hosts: [], pathPrefix: '' })).toBe(false);
  });
});
