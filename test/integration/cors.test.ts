// CORS: off unless SEALBIN_CORS_ORIGINS lists an origin; then only that origin, only GET, HEAD, POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';
import { expectSecurityHeaders } from '../helpers/assertions.js';

const ALLOWED = 'https://a.example';
const EVIL = 'https://evil.example';

function methodSet(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((method) => method.trim().toUpperCase())
    .filter((method) => method.length > 0)
    .sort();
}

async function preflight(base: string, path: string, origin: string, method: string, requestHeaders?: string): Promise<Response> {
  const headers: Record<string, string> = { Origin: origin, 'Access-Control-Request-Method': method };
  if (requestHeaders) headers['Access-Control-Request-Headers'] = requestHeaders;
  const response = await fetch(`${base}${path}`, { method: 'OPTIONS', headers });
  await response.arrayBuffer();
  return response;
}

describe('without SEALBIN_CORS_ORIGINS', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('sends no Access-Control-Allow-Origin on simple requests, whatever the Origin', async () => {
    const paste = await createPaste(server.url, 'cors off', { Origin: ALLOWED });
    for (const [url, method] of [
      [`${server.url}/`, 'GET'],
      [`${server.url}/health`, 'GET'],
      [paste.url, 'GET'],
      [paste.raw, 'GET'],
      [paste.raw, 'HEAD'],
      [`${server.url}/0123456789abcdef0123456789abcdef`, 'GET'],
    ] as const) {
      for (const origin of [ALLOWED, EVIL, 'null']) {
        const response = await fetch(url, { method, headers: { Origin: origin } });
        await response.arrayBuffer();
        expect(response.headers.get('access-control-allow-origin'), `${method} ${url} from ${origin}`).toBeNull();
        expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      }
    }
    const created = await fetch(`${server.url}/`, { method: 'POST', body: 'x', headers: { Origin: ALLOWED } });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('does not approve preflights', async () => {
    for (const method of ['POST', 'GET', 'DELETE', 'PUT']) {
      const response = await preflight(server.url, '/', ALLOWED, method, 'content-type');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-methods')).toBeNull();
      expectSecurityHeaders(response.headers);
    }
  });
});

describe('with SEALBIN_CORS_ORIGINS=https://a.example', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_CORS_ORIGINS: ALLOWED } });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('echoes the listed origin on GET, HEAD, POST and error responses, and varies on Origin', async () => {
    const created = await fetch(`${server.url}/`, { method: 'POST', body: 'cors on', headers: { Origin: ALLOWED } });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const paste = (await created.json()) as { url: string; raw: string };

    for (const [url, method] of [
      [`${server.url}/`, 'GET'],
      [paste.url, 'GET'],
      [paste.raw, 'GET'],
      [paste.raw, 'HEAD'],
      [`${server.url}/0123456789abcdef0123456789abcdef`, 'GET'],
    ] as const) {
      const response = await fetch(url, { method, headers: { Origin: ALLOWED } });
      await response.arrayBuffer();
      expect(response.headers.get('access-control-allow-origin'), `${method} ${url}`).toBe(ALLOWED);
      expect(response.headers.get('vary') ?? '', `${method} ${url}`).toMatch(/origin/i);
      // Security headers stay on cross-origin responses.
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('never uses a wildcard or allows credentials', async () => {
    const response = await fetch(`${server.url}/`, { headers: { Origin: ALLOWED } });
    expect(response.headers.get('access-control-allow-origin')).not.toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).not.toBe('true');
  });

  it('sends no Access-Control-Allow-Origin to an origin not listed', async () => {
    for (const origin of [EVIL, 'https://a.example.evil.example', 'http://a.example', 'https://a.example:8443', 'null']) {
      const response = await fetch(`${server.url}/`, { headers: { Origin: origin } });
      await response.arrayBuffer();
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    const created = await fetch(`${server.url}/`, { method: 'POST', body: 'x', headers: { Origin: EVIL } });
    expect(created.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a preflight from the listed origin allows exactly GET, HEAD and POST', async () => {
    for (const path of ['/', '/upload', '/0123456789abcdef0123456789abcdef', '/0123456789abcdef0123456789abcdef/raw']) {
      const response = await preflight(server.url, path, ALLOWED, 'POST', 'content-type, x-expiry, x-burn-after-read');
      expect(response.status, path).toBeGreaterThanOrEqual(200);
      expect(response.status, path).toBeLessThan(300);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(methodSet(response.headers.get('access-control-allow-methods'))).toEqual(['GET', 'HEAD', 'POST']);
      expectSecurityHeaders(response.headers, undefined, `preflight ${path}`);
    }
  });

  it('a preflight for DELETE or PUT does not allow them', async () => {
    for (const method of ['DELETE', 'PUT', 'PATCH']) {
      const response = await preflight(server.url, '/0123456789abcdef0123456789abcdef', ALLOWED, method);
      const allowed = methodSet(response.headers.get('access-control-allow-methods'));
      expect(allowed, method).not.toContain(method);
    }
  });

  it('a preflight from an origin not listed gets no approval', async () => {
    const response = await preflight(server.url, '/', EVIL, 'POST', 'content-type');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
