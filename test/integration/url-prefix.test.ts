// Where the server lives and what URLs it hands out: SEALBIN_URL_PREFIX, SEALBIN_PUBLIC_URL, and
// Host headers that must never end up in returned URLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { rawHttp } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { expectError, parseRawResponse } from '../helpers/assertions.js';

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ created: Created; location: string | null }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return { created: JSON.parse(text) as Created, location: response.headers.get('location') };
}

async function upload(url: string, content: string, filename: string, headers: Record<string, string> = {}): Promise<Created> {
  const form = new FormData();
  form.append('file', new Blob([content]), filename);
  const response = await fetch(url, { method: 'POST', body: form, headers });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return JSON.parse(text) as Created;
}

/** Every string value in a JSON document that looks like a URL. */
function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^[a-z]+:\/\//i.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

describe('SEALBIN_URL_PREFIX=/paste', () => {
  let server: RunningServer;
  let origin: string;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_URL_PREFIX: '/paste' } });
    origin = new URL(server.url).origin;
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('creates with POST /paste/ and returns URLs that include the prefix', async () => {
    const { created, location } = await post(`${origin}/paste/`, 'prefixed');
    expect(created.url).toBe(`${origin}/paste/${created.id}`);
    expect(created.raw).toBe(`${origin}/paste/${created.id}/raw`);
    expect(location).toBe(created.url);

    const meta = await fetch(created.url);
    expect(meta.status).toBe(200);
    const body = (await meta.json()) as Created;
    expect(body.url).toBe(created.url);
    expect(body.raw).toBe(created.raw);

    const raw = await fetch(created.raw);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('prefixed');
  });

  it('file shares under the prefix: download_url includes it and works', async () => {
    const file = await upload(`${origin}/paste/upload`, 'shared under a prefix', 'p.txt');
    expect(file.url).toBe(`${origin}/paste/${file.id}`);
    expect(file.download_url).toBe(`${origin}/paste/download/${file.key}`);
    const download = await fetch(file.download_url as string);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('shared under a prefix');
    for (const path of [`/paste/status/${file.key}`, `/paste/preview/${file.key}`]) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
  });

  it('serves the operational endpoints under the prefix', async () => {
    for (const path of ['/paste/', '/paste/health', '/paste/openapi.json']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
  });

  it('answers 404 for the same paths without the prefix', async () => {
    const { created } = await post(`${origin}/paste/`, 'only under the prefix');
    const file = await upload(`${origin}/paste/upload`, 'only under the prefix', 'q.txt');
    for (const path of [`/${created.id}`, `/${created.id}/raw`, `/download/${file.key}`, `/status/${file.key}`, `/preview/${file.key}`, '/health', '/openapi.json', '/']) {
      await expectError(await fetch(`${origin}${path}`), 404, 'NOT_FOUND');
    }
    await expectError(await fetch(`${origin}/`, { method: 'POST', body: 'no prefix' }), 404, 'NOT_FOUND');
    // The item is untouched by those lookups.
    expect(await (await fetch(created.raw)).text()).toBe('only under the prefix');
  });

  it('does not match a path that merely starts with the prefix letters', async () => {
    const { created } = await post(`${origin}/paste/`, 'prefix boundary');
    await expectError(await fetch(`${origin}/pastex/${created.id}`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${origin}/paste${created.id}`), 404, 'NOT_FOUND');
  });
});

describe('SEALBIN_PUBLIC_URL=https://paste.example.org', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_PUBLIC_URL: 'https://paste.example.org' } });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('builds every returned URL from it, whatever Host the request carried', async () => {
    for (const headers of [{}, { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' }] as Array<Record<string, string>>) {
      const { created, location } = await post(`${server.url}/`, 'public', headers);
      expect(created.url).toBe(`https://paste.example.org/${created.id}`);
      expect(created.raw).toBe(`https://paste.example.org/${created.id}/raw`);
      expect(location).toBe(created.url);
    }
    const file = await upload(`${server.url}/upload`, 'public file', 'f.txt');
    expect(file.url).toBe(`https://paste.example.org/${file.id}`);
    expect(file.download_url).toBe(`https://paste.example.org/download/${file.key}`);
    const meta = (await (await fetch(`${server.url}/${file.id}`)).json()) as Created;
    expect(meta.url).toBe(`https://paste.example.org/${file.id}`);
    expect(meta.raw).toBe(`https://paste.example.org/${file.id}/raw`);

    const raw = parseRawResponse(await rawHttp(server.url, 'POST / HTTP/1.1\r\nHost: other.example\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi'));
    expect(raw.status).toBe(201);
    const viaOtherHost = JSON.parse(raw.text) as Created;
    for (const url of [...urlsIn(viaOtherHost), raw.headers['location'] ?? '']) expect(url.startsWith('https://paste.example.org/')).toBe(true);
  });
});

describe('SEALBIN_PUBLIC_URL with SEALBIN_URL_PREFIX', () => {
  let server: RunningServer;
  let origin: string;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_PUBLIC_URL: 'https://paste.example.org/', SEALBIN_URL_PREFIX: '/p' } });
    origin = new URL(server.url).origin;
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('returns URLs that start with the public URL plus the prefix', async () => {
    const { created, location } = await post(`${origin}/p/`, 'public and prefixed');
    expect(created.url).toBe(`https://paste.example.org/p/${created.id}`);
    expect(created.raw).toBe(`https://paste.example.org/p/${created.id}/raw`);
    expect(location).toBe(created.url);
    const file = await upload(`${origin}/p/upload`, 'public and prefixed file', 'g.txt');
    expect(file.download_url).toBe(`https://paste.example.org/p/download/${file.key}`);
    for (const url of urlsIn(file)) expect(url.startsWith('https://paste.example.org/p/')).toBe(true);
  });
});

describe('Host headers never reach returned URLs', () => {
  let server: RunningServer;
  let origin: string;
  beforeAll(async () => {
    server = await startServer();
    origin = new URL(server.url).origin;
  });
  afterAll(async () => {
    await server.dispose();
  });

  const WEIRD_HOSTS = ['evil.example/<x>', 'evil.example/"><script>alert(1)</script>', 'user@evil.example', 'evil.example:80/../x', 'evil.example?x=1', 'evil.example#frag', 'evil.example\\x', '<x>'];

  it.each(WEIRD_HOSTS)('Host: %s', async (host) => {
    for (const [path, payload] of [
      ['/', 'hi'],
      ['/upload', null],
    ] as const) {
      let request: string;
      if (payload !== null) {
        request = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`;
      } else {
        const boundary = 'sealbinboundary';
        const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="h.txt"\r\nContent-Type: text/plain\r\n\r\nhost test\r\n--${boundary}--\r\n`;
        request = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
      }
      const response = parseRawResponse(await rawHttp(server.url, request));
      // Refusing such a request is fine; answering with URLs built from it is not.
      if (response.status === 400) continue;
      expect(response.status, response.text).toBe(201);
      const created = JSON.parse(response.text) as Created;
      const urls = [...urlsIn(created), response.headers['location'] ?? ''];
      expect(urls.length).toBeGreaterThanOrEqual(3);
      for (const url of urls) {
        expect(url).not.toContain('evil.example');
        expect(url).not.toContain('<');
        expect(url).not.toContain('"');
        expect(url).not.toContain('@');
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1(:\d+)?\/[0-9a-z/-]+$/);
      }
      // The id in the URL still reaches the item on this server.
      const check = await fetch(`${origin}${new URL(created.url).pathname}`);
      expect(check.status).toBe(200);
      await check.arrayBuffer();
    }
  });

  it('a refused Host gives either a 400 or URLs that reach this server (its listening address)', async () => {
    const response = parseRawResponse(await rawHttp(server.url, 'POST / HTTP/1.1\r\nHost: evil.example/<x>\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi'));
    if (response.status === 400) return;
    expect(response.status).toBe(201);
    const created = JSON.parse(response.text) as Created;
    for (const url of [created.url, created.raw, response.headers['location'] ?? '']) {
      expect(url.startsWith(`${origin}/`), `${url} should start with ${origin}/`).toBe(true);
    }
    const check = await fetch(created.url);
    expect(check.status).toBe(200);
    await check.arrayBuffer();
  });

  it('X-Forwarded-Host and X-Forwarded-Proto from an untrusted peer are ignored', async () => {
    const response = await fetch(`${server.url}/`, { method: 'POST', body: 'fwd', headers: { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', Forwarded: 'host=evil.example;proto=https' } });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Created;
    for (const url of [...urlsIn(created), response.headers.get('location') ?? '']) {
      expect(url.startsWith(`${origin}/`), url).toBe(true);
    }
  });
});
