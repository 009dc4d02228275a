// GET /openapi.json from the real server, linted by Redocly (redocly.yaml: the recommended rules, every
// finding an error, the accepted exceptions in .redocly.lint-ignore.yaml) and checked for what clients
// need from it: request bodies, PoW and other headers, security schemes, HEAD routes, servers.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDOCLY = fileURLToPath(new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
/** Where the lint copy goes: .redocly.lint-ignore.yaml names its exceptions by this path. */
const LINTED = 'dist/openapi.json';

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
  security?: Record<string, string[]>[];
}

interface OpenApi {
  openapi: string;
  servers: { url: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> };
}

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

async function fetchDocument(server: RunningServer): Promise<OpenApi> {
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApi;
}

/** Runs `redocly lint` offline on the document and returns its JSON report. */
async function lint(document: OpenApi): Promise<LintReport> {
  await writeFile(`${ROOT}${LINTED}`, JSON.stringify(document, null, 2));
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  // redocly exits 1 when it finds errors; the report on stdout is what we judge.
  const run = await promisify(execFile)(process.execPath, [REDOCLY, 'lint', LINTED, '--config', 'redocly.yaml', '--format', 'json'], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
  try {
    return JSON.parse(run.stdout) as LintReport;
  } catch {
    throw new Error(`redocly gave no JSON report:\n${run.stdout}\n${run.stderr}`);
  }
}

function expectClean(report: LintReport): void {
  const findings = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`);
  expect(findings).toEqual([]);
  expect(report.totals.errors).toBe(0);
  expect(report.totals.warnings).toBe(0);
  // The accepted exceptions are still there: if one disappears, delete it from the ignore file.
  expect(report.totals.ignored).toBe(1);
}

function operations(document: OpenApi): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as [string, Operation]));
}

function headerNames(operation: Operation | undefined): string[] {
  return (operation?.parameters ?? []).filter((parameter) => parameter.in === 'header').map((parameter) => parameter.name.toLowerCase());
}

describe('the OpenAPI document of a default server', () => {
  let server: RunningServer;
  let document: OpenApi;
  beforeAll(async () => {
    server = await startServer();
    document = await fetchDocument(server);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('passes Redocly\'s recommended rules (OpenAPI 3.1 structure included) with no errors or warnings', async () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expectClean(await lint(document));
  });

  it('names every operation uniquely and documents the HEAD routes', () => {
    const ids = operations(document).map(([, operation]) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const path of ['/{id}', '/{id}/raw', '/download/{key}', '/client']) expect(document.paths[path], path).toHaveProperty('head');
  });

  it('describes the three create bodies and the create headers, PoW included', () => {
    for (const [path, method] of [['/', 'post'], ['/{id}', 'put']] as const) {
      const operation = document.paths[path]?.[method];
      expect(Object.keys(operation?.requestBody?.content ?? {}).sort(), `${method} ${path}`).toEqual(['*/*', 'application/json', 'multipart/form-data']);
      expect(headerNames(operation)).toEqual(expect.arrayContaining(['x-expiry', 'x-burn-after-read', 'x-filename', 'x-pow-token', 'x-pow-solution']));
    }
    expect(Object.keys(document.paths['/upload']?.['post']?.requestBody?.content ?? {})).toContain('multipart/form-data');
    expect(headerNames(document.paths['/upload']?.['post'])).toEqual(expect.arrayContaining(['x-pow-token', 'x-pow-solution', 'x-expiry']));
    expect(Object.keys(document.paths['/s']?.['post']?.requestBody?.content ?? {}).sort()).toEqual(['application/json', 'text/plain']);
    expect(headerNames(document.paths['/s']?.['post'])).toEqual(expect.arrayContaining(['x-pow-token', 'x-pow-solution', 'x-expiry']));
    expect(headerNames(document.paths['/register']?.['post'])).toEqual(expect.arrayContaining(['x-pow-token', 'x-pow-solution']));
    // A tus client reads what POST /tus takes from parameters, not from the summary's prose.
    expect(headerNames(document.paths['/tus']?.['post'])).toEqual(
      expect.arrayContaining(['tus-resumable', 'upload-length', 'upload-defer-length', 'upload-metadata', 'x-max-downloads', 'x-expiry', 'x-burn-after-read', 'x-pow-token', 'x-pow-solution']),
    );
  });

  it('declares client certificates (mutualTLS) and the delete token as security schemes', () => {
    expect(document.components.securitySchemes['clientCertificate']?.type).toBe('mutualTLS');
    expect(document.components.securitySchemes['deleteToken']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Delete-Token' });
    expect(document.security).toEqual([{}, { clientCertificate: [] }]);
    expect(document.paths['/{id}']?.['delete']?.security).toEqual(expect.arrayContaining([{ deleteToken: [] }, { clientCertificate: [] }]));
    // Admin and owner-only operations do not list anonymous access.
    for (const [path, method] of [['/pki/issue', 'post'], ['/pki/certs', 'get'], ['/pastes', 'get'], ['/{id}', 'put']] as const) {
      expect(document.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ clientCertificate: [] }]);
    }
  });

  it('gives the non-JSON answers their media types', () => {
    const media = (path: string, status = '200') => Object.keys(document.paths[path]?.['get']?.responses[status]?.content ?? {});
    expect(media('/{id}/raw')).toEqual(['*/*']);
    expect(media('/{id}/raw', '206')).toEqual(['*/*']);
    // Browsers asking for HTML get the web page at /, /{id} and /download/{key} (issue 14).
    expect(media('/download/{key}')).toEqual(['*/*', 'text/html']);
    expect(media('/pki/ca.crt')).toEqual(['application/x-pem-file']);
    expect(media('/pki/crl')).toEqual(['application/x-pem-file']);
    expect(media('/metrics')).toEqual(['text/plain']);
    expect(media('/{id}')).toEqual(['application/json', 'text/html']);
    expect(media('/')).toEqual(['application/json', 'text/html']);
  });

  it('names the response headers clients rely on, and describes every response', () => {
    const headers = (path: string, method: string, status: string) => Object.keys(document.paths[path]?.[method]?.responses[status]?.headers ?? {});
    expect(headers('/', 'post', '201')).toContain('Location');
    expect(headers('/s', 'post', '201')).toContain('Location');
    expect(headers('/s/{id}', 'get', '302')).toContain('Location');
    for (const path of ['/{id}/raw', '/download/{key}']) {
      expect(headers(path, 'get', '200')).toEqual(expect.arrayContaining(['ETag', 'X-Content-SHA256', 'Content-Disposition']));
      expect(headers(path, 'get', '206')).toContain('Content-Range');
      expect(headers(path, 'head', '200')).toContain('X-Content-SHA256');
    }
    expect(headerNames(document.paths['/health']?.['get'])).toContain('x-request-id');
    const undescribed = operations(document).flatMap(([name, operation]) => Object.entries(operation.responses).filter(([, response]) => response.description === 'Default Response').map(([status]) => `${name} ${status}`));
    expect(undescribed).toEqual([]);
  });

  it('is served from wherever it was fetched when no public URL is set', () => {
    expect(document.servers).toEqual([{ url: '/' }]);
  });
});

describe('the OpenAPI document behind a URL prefix and a public URL', () => {
  let server: RunningServer;
  let document: OpenApi;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_URL_PREFIX: '/paste', SEALBIN_PUBLIC_URL: 'https://paste.example' } });
    // The helper's URL already carries the prefix; fetch by origin to be explicit about it.
    const response = await fetch(`${new URL(server.url).origin}/paste/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApi;
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('names the public URL with the prefix once, and paths relative to it', async () => {
    expect(document.servers).toEqual([{ url: 'https://paste.example/paste' }]);
    for (const path of ['/', '/{id}', '/{id}/raw', '/upload', '/health']) expect(document.paths, path).toHaveProperty([path]);
    for (const path of Object.keys(document.paths)) expect(path === '/paste' || path.startsWith('/paste/'), path).toBe(false);
    expectClean(await lint(document));
  });
});
