// The contract's security headers on every kind of response, and the JSON shape of every error.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, rawHttp, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { API_CSP, CONTENT_CSP, expectError, expectErrorBody, expectSecurityHeaders, parseRawResponse } from '../helpers/assertions.js';

const MAX_SIZE = 4096;
const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';
const UNKNOWN_KEY = 'abacus-abdomen-abdominal-abide-abiding-ability';

let server: RunningServer;
let paste: Created;
let file: Created;

beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_MAX_SIZE: String(MAX_SIZE) } });
  paste = await createPaste(server.url, 'security headers everywhere');
  file = await uploadFile(server.url, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]), 'blob.bin');
});
afterAll(async () => {
  await server.dispose();
});

describe('security headers on API responses', () => {
  it.each(['/', '/health', '/openapi.json'])('GET %s (200 JSON)', async (path) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expectSecurityHeaders(response.headers, API_CSP, path);
    await response.arrayBuffer();
  });

  it('GET /{id} metadata (200 JSON)', async () => {
    const response = await fetch(paste.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expectSecurityHeaders(response.headers);
  });

  it('GET /status/{key} and /preview/{key} (200 JSON)', async () => {
    for (const path of [`/status/${file.key}`, `/preview/${file.key}`]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expectSecurityHeaders(response.headers, API_CSP, path);
    }
  });

  it('POST / (201) and POST /upload (201)', async () => {
    const created = await fetch(`${server.url}/`, { method: 'POST', body: 'new paste' });
    expect(created.status).toBe(201);
    expectSecurityHeaders(created.headers, API_CSP, 'POST /');
    const form = new FormData();
    form.append('file', new Blob(['shared']), 'shared.txt');
    const uploaded = await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    expect(uploaded.status).toBe(201);
    expectSecurityHeaders(uploaded.headers, API_CSP, 'POST /upload');
  });

  it('DELETE /{id} (204)', async () => {
    const victim = await createPaste(server.url, 'to be deleted');
    const response = await fetch(victim.url, { method: 'DELETE', headers: { 'X-Delete-Token': victim.delete_token as string } });
    expect(response.status).toBe(204);
    expectSecurityHeaders(response.headers);
    expect(await response.text()).toBe('');
  });

  it('HEAD /{id} and HEAD /{id}/raw and HEAD /download/{key}', async () => {
    const meta = await fetch(paste.url, { method: 'HEAD' });
    expect(meta.status).toBe(200);
    expectSecurityHeaders(meta.headers, API_CSP, 'HEAD /{id}');
    const raw = await fetch(paste.raw, { method: 'HEAD' });
    expect(raw.status).toBe(200);
    expectSecurityHeaders(raw.headers, CONTENT_CSP, 'HEAD /{id}/raw');
    const download = await fetch(file.download_url as string, { method: 'HEAD' });
    expect(download.status).toBe(200);
    expectSecurityHeaders(download.headers, CONTENT_CSP, 'HEAD /download/{key}');
  });
});

describe('security headers on user content', () => {
  it('GET /{id}/raw (200) carries the sandboxed CSP', async () => {
    const response = await fetch(paste.raw);
    expect(response.status).toBe(200);
    expectSecurityHeaders(response.headers, CONTENT_CSP, 'GET /{id}/raw');
    expect(await response.text()).toBe('security headers everywhere');
  });

  it('GET /{id}/raw with a Range (206) carries the sandboxed CSP', async () => {
    const response = await fetch(paste.raw, { headers: { Range: 'bytes=0-7' } });
    expect(response.status).toBe(206);
    expectSecurityHeaders(response.headers, CONTENT_CSP, '206');
    expect(await response.text()).toBe('security');
  });

  it('GET /download/{key} (200) carries the sandboxed CSP', async () => {
    const response = await fetch(file.download_url as string);
    expect(response.status).toBe(200);
    expectSecurityHeaders(response.headers, CONTENT_CSP, 'GET /download/{key}');
    await response.arrayBuffer();
  });
});

describe('security headers and JSON bodies on errors', () => {
  it.each([
    ['GET', '/no/such/route'],
    ['GET', '/definitely-not-here.php'],
    ['POST', '/no/such/route'],
    ['DELETE', '/'],
    ['PATCH', `/${UNKNOWN_ID}`],
  ])('%s %s (unknown route) is a JSON 404', async (method, path) => {
    const response = await fetch(`${server.url}${path}`, { method });
    expectSecurityHeaders(response.headers, API_CSP, `${method} ${path}`);
    const text = await response.text();
    expect([404, 405]).toContain(response.status);
    expectErrorBody(text, response.headers);
  });

  it.each([
    `/${UNKNOWN_ID}`,
    `/${UNKNOWN_ID}/raw`,
    '/not-a-hex-id',
    '/not-a-hex-id/raw',
    `/download/${UNKNOWN_KEY}`,
    `/preview/${UNKNOWN_KEY}`,
    `/status/${UNKNOWN_KEY}`,
    '/download/not-a-key',
  ])('GET %s (unknown id or key) is a JSON 404 NOT_FOUND', async (path) => {
    const response = await fetch(`${server.url}${path}`);
    expectSecurityHeaders(response.headers, API_CSP, path);
    await expectError(response, 404, 'NOT_FOUND');
  });

  it.each([
    `/${'a'.repeat(201)}`,
    `/${'a'.repeat(201)}/raw`,
    `/download/${'abacus-'.repeat(40)}abacus`,
    `/status/${'x'.repeat(300)}`,
    `/preview/${'x'.repeat(1000)}`,
  ])('an over-long id or key (%#) is a JSON 404 NOT_FOUND with the security headers', async (path) => {
    const response = await fetch(`${server.url}${path}`, { headers: { 'X-Request-ID': 'long-param' } });
    expectSecurityHeaders(response.headers, API_CSP, 'over-long param');
    expect(response.headers.get('x-request-id')).toBe('long-param');
    const body = await expectError(response, 404, 'NOT_FOUND');
    // The path is not reflected back.
    expect(body.message).not.toContain('aaaaaaaaaa');
    expect(body.message).not.toContain('xxxxxxxxxx');
  });

  it('HEAD of an unknown id is a 404 with the security headers and no body', async () => {
    for (const path of [`/${UNKNOWN_ID}`, `/${UNKNOWN_ID}/raw`, `/download/${UNKNOWN_KEY}`]) {
      const response = await fetch(`${server.url}${path}`, { method: 'HEAD' });
      expect(response.status, path).toBe(404);
      expectSecurityHeaders(response.headers, API_CSP, `HEAD ${path}`);
      expect(await response.text()).toBe('');
    }
  });

  it('DELETE without and with a wrong token (401, 403)', async () => {
    const none = await fetch(paste.url, { method: 'DELETE' });
    expectSecurityHeaders(none.headers);
    await expectError(none, 401, 'AUTH_REQUIRED');
    const wrong = await fetch(paste.url, { method: 'DELETE', headers: { 'X-Delete-Token': 'wrong' } });
    expectSecurityHeaders(wrong.headers);
    await expectError(wrong, 403, 'FORBIDDEN');
  });

  it('400 errors: bad X-Expiry, empty body, malformed JSON, multipart without a file', async () => {
    const expiry = await fetch(`${server.url}/`, { method: 'POST', body: 'x', headers: { 'X-Expiry': 'soon' } });
    expectSecurityHeaders(expiry.headers, API_CSP, 'INVALID_EXPIRY');
    await expectError(expiry, 400, 'INVALID_EXPIRY');

    const empty = await fetch(`${server.url}/`, { method: 'POST', body: '' });
    expectSecurityHeaders(empty.headers, API_CSP, 'EMPTY');
    await expectError(empty, 400, 'EMPTY');

    const json = await fetch(`${server.url}/`, { method: 'POST', body: '{"content": ', headers: { 'Content-Type': 'application/json' } });
    expectSecurityHeaders(json.headers, API_CSP, 'INVALID_JSON');
    await expectError(json, 400);

    const form = new FormData();
    form.append('other', 'value');
    const multipart = await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    expectSecurityHeaders(multipart.headers, API_CSP, 'INVALID_MULTIPART');
    await expectError(multipart, 400);
  });

  it('413 for a declared Content-Length over the limit', async () => {
    const response = await fetch(`${server.url}/`, { method: 'POST', body: Buffer.alloc(MAX_SIZE + 1, 0x61) });
    expectSecurityHeaders(response.headers, API_CSP, '413 declared');
    await expectError(response, 413, 'TOO_LARGE');
  });

  it('413 for a chunked body that grows over the limit', async () => {
    const chunk = 'a'.repeat(1024);
    let body = '';
    for (let i = 0; i < 8; i++) body += `${(1024).toString(16)}\r\n${chunk}\r\n`;
    body += '0\r\n\r\n';
    const raw = await rawHttp(server.url, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`);
    const response = parseRawResponse(raw);
    expect(response.status).toBe(413);
    expectSecurityHeaders(response.headers, API_CSP, '413 streamed');
    expectErrorBody(response.text, response.headers, 'TOO_LARGE');
  });

  it('413 for multipart content over the limit', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(MAX_SIZE + 1, 0x62)]), 'big.txt');
    const response = await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    expectSecurityHeaders(response.headers, API_CSP, '413 multipart');
    await expectError(response, 413, 'TOO_LARGE');
  });

  it('416 for an unsatisfiable range is a JSON error with the security headers', async () => {
    const response = await fetch(paste.raw, { headers: { Range: 'bytes=999999-' } });
    // The body is an error, not user content: the API policy applies (a stricter sandboxed one is tolerated).
    expect([API_CSP, CONTENT_CSP]).toContain(response.headers.get('content-security-policy'));
    expectSecurityHeaders(response.headers, response.headers.get('content-security-policy') ?? API_CSP, '416');
    await expectError(response, 416, 'RANGE_NOT_SATISFIABLE');
  });

  it('500 (a stored item that fails its integrity check) is JSON with the headers', async () => {
    const victim = await createPaste(server.url, 'tampered with');
    const db = new BetterSqlite3(join(server.dataDir, 'sealbin.db'));
    db.prepare('update items set sha256 = ? where id = ?').run('0'.repeat(64), victim.id);
    db.close();
    const response = await fetch(victim.raw);
    // The body is an error, not user content: the API policy, not the sandboxed content one.
    expectSecurityHeaders(response.headers, API_CSP, '500');
    await expectError(response, 500, 'INTEGRITY_CHECK_FAILED');
    await server.expectErrorLog(/"msg":"integrity check failed"/);
  });

  it('errors raised by the HTTP parser (conflicting Content-Length and Transfer-Encoding) are JSON with the headers', async () => {
    const raw = await rawHttp(server.url, 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    const response = parseRawResponse(raw);
    expect(response.status).toBe(400);
    expectSecurityHeaders(response.headers, API_CSP, 'CL+TE');
    expectErrorBody(response.text, response.headers);
  });

  it('oversized request headers get a JSON 431 with the headers', async () => {
    const raw = await rawHttp(server.url, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    const response = parseRawResponse(raw);
    expect(response.status).toBe(431);
    expectSecurityHeaders(response.headers, API_CSP, '431');
    expectErrorBody(response.text, response.headers, 'HEADERS_TOO_LARGE');
  });
});
