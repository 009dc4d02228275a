// X-Request-ID: a sane client value is echoed (header and error body); anything else becomes a new UUID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { rawHttp } from '../helpers/http.js';
import { expectError, parseRawResponse, UUID } from '../helpers/assertions.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

const SANE = ['abc', 'A', 'req-123_ABC.def', '0123456789', 'a'.repeat(64), '...', '-_-', '6f1c2a9e-0b7d-4d4e-9f3a-2c1b0a9d8e7f'];

// fetch refuses CR/LF and non-Latin-1 in headers; everything else a client might send is here.
const INSANE = ['a'.repeat(65), 'has space', '<script>alert(1)</script>', 'tab\there', 'semi;colon', 'quote"d', 'slash/es', 'per%cent', 'a,b', 'plus+sign', 'colon:x', '{"json":1}', 'caf\u00e9'];

describe('X-Request-ID', () => {
  it('is a UUID on every response when the client sends none, different each time', async () => {
    const first = await fetch(`${server.url}/health`);
    const second = await fetch(`${server.url}/health`);
    const a = first.headers.get('x-request-id') ?? '';
    const b = second.headers.get('x-request-id') ?? '';
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it.each(SANE)('echoes the sane value %j', async (value) => {
    const response = await fetch(`${server.url}/`, { headers: { 'X-Request-ID': value } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(value);
  });

  it('echoes a sane value on 201, 204 and content responses too', async () => {
    const created = await fetch(`${server.url}/`, { method: 'POST', body: 'rid', headers: { 'X-Request-ID': 'create.1' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('create.1');
    const paste = (await created.json()) as { raw: string; url: string; delete_token: string };
    const raw = await fetch(paste.raw, { headers: { 'X-Request-ID': 'raw.2' } });
    expect(raw.headers.get('x-request-id')).toBe('raw.2');
    expect(await raw.text()).toBe('rid');
    const deleted = await fetch(paste.url, { method: 'DELETE', headers: { 'X-Request-ID': 'delete.3', 'X-Delete-Token': paste.delete_token } });
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('x-request-id')).toBe('delete.3');
  });

  it('echoes a sane value in the error body as request_id', async () => {
    const response = await fetch(`${server.url}/0123456789abcdef0123456789abcdef`, { headers: { 'X-Request-ID': 'trace-me_42' } });
    const body = await expectError(response, 404, 'NOT_FOUND');
    expect(body.request_id).toBe('trace-me_42');
  });

  it.each(INSANE)('replaces the insane value %j with a UUID (header and error body agree)', async (value) => {
    const response = await fetch(`${server.url}/no/such/route`, { headers: { 'X-Request-ID': value } });
    const id = response.headers.get('x-request-id') ?? '';
    expect(id).toMatch(UUID);
    expect(id).not.toBe(value);
    const body = await expectError(response, 404);
    expect(body.request_id).toBe(id);
  });

  it('replaces an empty value with a UUID', async () => {
    const response = parseRawResponse(await rawHttp(server.url, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID:\r\nConnection: close\r\n\r\n'));
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('replaces raw UTF-8 bytes (unicode) with a UUID', async () => {
    const payload = Buffer.concat([Buffer.from('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: '), Buffer.from('ünïcødé-€', 'utf8'), Buffer.from('\r\nConnection: close\r\n\r\n')]);
    const response = parseRawResponse(await rawHttp(server.url, payload));
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('replaces a repeated header (two sane values) with a UUID', async () => {
    const response = parseRawResponse(await rawHttp(server.url, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: one\r\nX-Request-ID: two\r\nConnection: close\r\n\r\n'));
    expect(response.status).toBe(200);
    const id = response.headers['x-request-id'] ?? '';
    expect(id).toMatch(UUID);
    expect(id).not.toContain('one');
  });

  it('never writes an insane value into the log', async () => {
    const marker = '<script>sealbin-log-injection</script>';
    const health = await fetch(`${server.url}/health`, { headers: { 'X-Request-ID': marker } });
    const created = await fetch(`${server.url}/`, { method: 'POST', body: 'log check', headers: { 'X-Request-ID': `${'z'.repeat(65)}` } });
    expect(created.status).toBe(201);
    // The access log lines are written after the responses: wait for both, under the replacement ids.
    for (const response of [health, created]) {
      const id = response.headers.get('x-request-id') ?? '';
      expect(id).toMatch(UUID);
      await server.waitForLog((line) => line.msg === 'request' && line['reqId'] === id, `the access log line of request ${id}`);
    }
    expect(server.output()).not.toContain('sealbin-log-injection');
    expect(server.output()).not.toContain('z'.repeat(65));
  });
});
