// Operations: GET / (server info reflecting the configuration), GET /health, GET /openapi.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { expectSecurityHeaders } from '../helpers/assertions.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Info {
  name: string;
  version: string;
  endpoints: Record<string, unknown>;
  limits: { max_size: number; default_expiry: number; max_expiry: number; quota_bytes: number; quota_items: number };
  pow: { enabled: boolean; difficulty: number };
  encryption_required: boolean;
}

interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
}

async function json<T>(url: string): Promise<{ response: Response; body: T }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { response, body: (await response.json()) as T };
}

describe('with a custom configuration', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      env: { SEALBIN_MAX_SIZE: '5242880', SEALBIN_DEFAULT_EXPIRY: '3600', SEALBIN_MAX_EXPIRY: '86400', SEALBIN_MIN_ENTROPY: '7' },
    });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('GET / describes the server and its limits from the environment', async () => {
    const { response, body } = await json<Info>(`${server.url}/`);
    expectSecurityHeaders(response.headers);
    expect(body.name).toBe('sealbin');
    expect(body.version).toBe(PACKAGE_VERSION);
    expect(typeof body.endpoints).toBe('object');
    expect(Object.keys(body.endpoints).length).toBeGreaterThan(0);
    for (const value of Object.values(body.endpoints)) expect(typeof value).toBe('string');
    expect(body.limits).toEqual({ max_size: 5242880, default_expiry: 3600, max_expiry: 86400, quota_bytes: 0, quota_items: 0 });
    expect(body.pow).toEqual({ enabled: false, difficulty: 0 });
    expect(body.encryption_required).toBe(true);
  });

  it('GET / lists the main endpoints', async () => {
    const { body } = await json<Info>(`${server.url}/`);
    const listed = Object.values(body.endpoints).join('\n');
    for (const endpoint of ['POST /', 'GET /{id}', 'GET /{id}/raw', 'POST /upload', 'GET /download/{key}', 'GET /health']) {
      expect(listed, endpoint).toContain(endpoint);
    }
  });

  it('GET /health is {"status": "ok", "checks": {...}} with every check ok', async () => {
    const { response, body } = await json<{ status: string; checks: Record<string, string>; disk: { free_bytes: number; min_free_bytes: number } }>(`${server.url}/health`);
    expectSecurityHeaders(response.headers);
    // `disk` is an addition (docs/api.md): the free bytes statfs measured and the floor.
    expect(Object.keys(body).sort()).toEqual(['checks', 'disk', 'status']);
    expect(body.disk.free_bytes).toBeGreaterThan(0);
    expect(body.disk.min_free_bytes).toBe(0);
    expect(body.status).toBe('ok');
    expect(typeof body.checks).toBe('object');
    expect(Object.keys(body.checks).length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(body.checks)) expect(value, name).toBe('ok');
  });

  it('GET /openapi.json is an OpenAPI 3 document of the API', async () => {
    const { response, body } = await json<OpenApi>(`${server.url}/openapi.json`);
    expectSecurityHeaders(response.headers);
    expect(body.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(body.info.version).toBe(PACKAGE_VERSION);
    expect(typeof body.info.title).toBe('string');
    for (const path of ['/', '/{id}', '/{id}/raw', '/upload', '/download/{key}', '/preview/{key}', '/status/{key}', '/health']) {
      expect(body.paths, path).toHaveProperty([path]);
    }
    expect(body.paths['/']).toHaveProperty('get');
    expect(body.paths['/']).toHaveProperty('post');
    expect(body.paths['/{id}']).toHaveProperty('get');
    expect(body.paths['/{id}']).toHaveProperty('delete');
    expect(body.paths['/{id}/raw']).toHaveProperty('get');
    expect(body.paths['/upload']).toHaveProperty('post');
    // Router syntax (":id", "*") never leaks into the document.
    for (const path of Object.keys(body.paths)) {
      expect(path).not.toContain(':');
      expect(path).not.toContain('*');
    }
  });
});

describe('with default limits and proof of work on', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // The test harness turns abuse prevention off by default; switch PoW on explicitly.
    server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '16' } });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('GET / shows the documented default limits and the PoW difficulty', async () => {
    const { body } = await json<Info>(`${server.url}/`);
    expect(body.limits).toEqual({ max_size: 100 * 1024 * 1024, default_expiry: 7 * 86400, max_expiry: 365 * 86400, quota_bytes: 0, quota_items: 0 });
    expect(body.pow).toEqual({ enabled: true, difficulty: 16 });
    expect(body.encryption_required).toBe(false);
  });

  it('GET /health is ok', async () => {
    const { body } = await json<{ status: string; checks: Record<string, string> }>(`${server.url}/health`);
    expect(body.status).toBe('ok');
  });
});
