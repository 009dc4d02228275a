// Host headers that may appear in returned URLs: plain host[:port] only (Host header injection).
import { describe, expect, it } from 'vitest';
import { isPlainHost } from '../../../src/http/urls.js';

describe('isPlainHost', () => {
  it.each(['example.org', 'paste.example.org:8443', '127.0.0.1', '127.0.0.1:8080', '[::1]', '[::1]:8080', '[2001:db8::1]:443', 'localhost'])('accepts %s', (host) => {
    expect(isPlainHost(host)).toBe(true);
  });

  it.each(['', 'evil.example/<x>', 'a..b', '.example.org', 'example.org:', 'example.org:123456', 'exa mple.org', 'evil.example@x', '[::1', '[::1]x', 'a'.repeat(64) + '.org', 'x'.repeat(301), 'example.org:80:80', 'host"name'])('refuses %j', (host) => {
    expect(isPlainHost(host)).toBe(false);
  });

});
