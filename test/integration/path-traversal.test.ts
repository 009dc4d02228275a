// Path traversal in the request target (as curl --path-as-is sends it): always a 404 JSON NOT_FOUND,
// never a file from the server's disk and never a non-JSON error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, rawHttp } from '../helpers/http.js';
import { expectErrorParts } from '../helpers/contract.js';
import { parseRawResponse } from '../helpers/assertions.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

/** Sends `target` verbatim on the request line, exactly as written (no client-side normalisation). */
async function get(target: string, method = 'GET') {
  const raw = await rawHttp(server.url, `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  return parseRawResponse(raw);
}

// Strings that only appear in the files a traversal would reach.
const LEAKS = /root:|\[boot loader\]|BEGIN [A-Z ]*PRIVATE KEY|"type":\s*"module"|SQLite format|sealbin listening/;

const TARGETS = [
  '/../../etc/passwd',
  '/../../../../../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%2E%2E/%2E%2E/etc/passwd',
  '/..%2fetc%2fpasswd',
  '/..%2fetc%2fpasswd/raw',
  '/..%2f..%2f..%2fetc%2fpasswd/raw',
  '/%2e%2e%2f%2e%2e%2fetc%2fpasswd/raw',
  '/..%5c..%5cwindows%5cwin.ini/raw',
  '/..\\..\\etc\\passwd',
  '/%252e%252e/%252e%252e/etc/passwd',
  '/./../package.json',
  '/blobs/tmp',
  '/master.key',
  '/sealbin.db',
  '/download/..%2f..%2fetc%2fpasswd',
  '/download/../../etc/passwd',
  '/preview/..%2f..%2fmaster.key',
  '/status/..%2f..%2fsealbin.db',
  '/0123456789abcdef0123456789abcdef/../../etc/passwd',
  '/0123456789abcdef0123456789abcdef/raw/../../../etc/passwd',
  '//etc/passwd',
  '/%2fetc%2fpasswd/raw',
  '/etc/passwd%00/raw',
  '/%00/raw',
];

describe('path traversal', () => {
  it.each(TARGETS)('GET %s → 404 JSON NOT_FOUND', async (target) => {
    const response = await get(target);
    expect(response.text).not.toMatch(LEAKS);
    expectErrorParts(response.status, response.headers, response.text, 404, 'NOT_FOUND');
  });

  it.each(['/..%2fetc%2fpasswd/raw', '/../../etc/passwd'])('HEAD %s → 404 with no content', async (target) => {
    const response = await get(target, 'HEAD');
    expect(response.status).toBe(404);
    expect(response.text).toBe('');
  });

  it('a malformed percent-encoding is a 404 JSON NOT_FOUND, not a framework error page', async () => {
    for (const target of ['/%ZZ/raw', '/%/raw', '/download/%E0%A4%A', '/..%2/etc/passwd', '/%c0%af/raw', '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd']) {
      const response = await get(target);
      expect(response.text).not.toMatch(LEAKS);
      expectErrorParts(response.status, response.headers, response.text, 404, 'NOT_FOUND');
    }
  });

  it('an id followed by traversal never serves that paste or anything else', async () => {
    const created = await createPaste(server.url, 'secret paste content');
    for (const target of [`/${created.id}/raw/..%2f..%2fetc%2fpasswd`, `/${created.id}%2fraw`, `/${created.id}/..%2fraw`]) {
      const response = await get(target);
      expect(response.text).not.toContain('secret paste content');
      expectErrorParts(response.status, response.headers, response.text, 404, 'NOT_FOUND');
    }
  });
});
