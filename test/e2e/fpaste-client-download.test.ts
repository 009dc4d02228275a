// GET /client serves the bundled fpaste as one download that runs on plain Node with nothing else
// around it: `curl -o fpaste https://host/client && chmod +x fpaste && ./fpaste`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/http/context.js';
import { sendError, toAppError } from '../../src/http/error-reply.js';
import { clientRoutes } from '../../src/http/routes/client.js';
import { FPASTE, FpasteUser } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function routeApp(bundlePath?: string) {
  // As in src/app.ts: HEAD routes are declared explicitly, never derived from GET.
  const app = Fastify({ exposeHeadRoutes: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendError(request, reply, toAppError(error)));
  await clientRoutes(app, {} as AppContext, bundlePath ? { bundlePath } : {});
  return app;
}

describe('the client route (in process)', () => {
  it('serves dist/fpaste.js as an attachment named fpaste, with its SHA-256', async () => {
    const app = await routeApp();
    const bundle = readFileSync(FPASTE);
    const response = await app.inject({ method: 'GET', url: '/client' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['content-disposition']).toBe('attachment; filename=fpaste');
    expect(response.headers['content-length']).toBe(String(bundle.length));
    expect(response.headers['x-content-sha256']).toBe(sha256(bundle));
    expect(response.rawPayload.equals(bundle)).toBe(true);
    const head = await app.inject({ method: 'HEAD', url: '/client' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['x-content-sha256']).toBe(sha256(bundle));
    expect(head.rawPayload.length).toBe(0);
    await app.close();
  });

  it('a rebuilt bundle is picked up (new hash); a missing one is a JSON 500, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpaste-bundle-'));
    try {
      const path = join(dir, 'fpaste.js');
      writeFileSync(path, 'first build');
      const app = await routeApp(path);
      expect((await app.inject({ method: 'GET', url: '/client' })).headers['x-content-sha256']).toBe(sha256(Buffer.from('first build')));
      writeFileSync(path, 'second, longer build');
      expect((await app.inject({ method: 'GET', url: '/client' })).body).toBe('second, longer build');
      rmSync(path);
      const missing = await app.inject({ method: 'GET', url: '/client' });
      expect(missing.statusCode).toBe(500);
      expect(missing.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(missing.json()).toMatchObject({ error_code: 'INTERNAL_ERROR', message: 'The fpaste client is not available on this server.' });
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the downloaded client', () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'fpaste-standalone-'));
  });

  afterAll(async () => {
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs ./fpaste from a directory with no node_modules anywhere above it. */
  function runStandalone(path: string, args: string[], input?: string) {
    const user = new FpasteUser(server.url);
    try {
      return spawnSync(path, args, { cwd: dir, env: user.env({ PATH: `${process.execPath.replace(/\/node$/, '')}:${process.env['PATH'] ?? ''}` }), input, encoding: 'utf8', timeout: 30_000 });
    } finally {
      user.dispose();
    }
  }

  it('the bundle is self-contained: a copy outside the project runs through its shebang', () => {
    const path = join(dir, 'fpaste-copy');
    copyFileSync(FPASTE, path);
    chmodSync(path, 0o755);
    expect(statSync(FPASTE).mode & 0o111).toBe(0o111);
    const version = runStandalone(path, ['--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const created = runStandalone(path, [], 'from a standalone copy');
    expect(created.status, created.stderr).toBe(0);
    const got = runStandalone(path, ['get', created.stdout.trim()]);
    expect(got.stdout).toBe('from a standalone copy');
  });

  it('GET /client on the real server: curl -o fpaste && chmod +x && ./fpaste works', async () => {
    const response = await fetch(`${server.url}/client`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename=fpaste');
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(readFileSync(FPASTE))).toBe(true);
    expect(response.headers.get('x-content-sha256')).toBe(sha256(body));
    const path = join(dir, 'fpaste');
    writeFileSync(path, body);
    chmodSync(path, 0o755);
    const run = runStandalone(path, ['info']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('proof of work:');
  });
});
