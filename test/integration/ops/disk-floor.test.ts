// disk-floor (black box): SEALBIN_MIN_FREE_BYTES. Below it every creation answers 507
// INSUFFICIENT_STORAGE from the headers alone (nothing of the body is read or stored), while reads
// and deletes go on; /health fails "disk" with the measured free bytes and the floor; the metric has
// both. Above it, a creation whose declared size would cross the floor is refused, smaller ones pass.
// Resumable uploads meet the same floor: POST /tus (by its Upload-Length) and every PATCH (by its
// Content-Length), so a disk can be filled neither by declaring a huge upload nor by sending one.
import { readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { blobFiles } from '../../helpers/data-dir.js';
import { createPaste } from '../../helpers/http.js';
import { makeDataDir, startServer } from '../../helpers/server.js';
import { randomBytes } from 'node:crypto';

const GiB = 1024 ** 3;
/** More than any disk here has free: the floor is always crossed. */
const HUGE_FLOOR = 1_000_000 * GiB;

interface Health {
  status: string;
  checks: Record<string, string>;
  disk?: { free_bytes: number; min_free_bytes: number };
}

const freeBytes = (dir: string): number => {
  const info = statfsSync(dir);
  return info.bavail * info.bsize;
};

async function expect507(response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(507);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body['error_code']).toBe('INSUFFICIENT_STORAGE');
  expect(body['request_id']).toBe(response.headers.get('x-request-id'));
}

/** A tus request's Tus-Resumable header (every /tus request but OPTIONS needs it). */
const TUS = { 'tus-resumable': '1.0.0' };

/**
 * Sends the headers of a request (POST unless told) declaring `declared` bytes and only the first few
 * of them, then waits for the answer: one that comes proves the server decided from the headers alone.
 * A server that waits for the rest instead never answers: the deadline names that.
 */
function answerBeforeBody(url: string, declared: number, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/octet-stream', ...options.headers, 'content-length': String(declared) };
    const request = httpRequest(url, { method: options.method ?? 'POST', headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers });
        request.destroy();
      });
    });
    const deadline = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer to ${options.method ?? 'POST'} ${url} within 30 s: the server waited for the ${declared} declared bytes instead of deciding from the headers`));
    }, 30_000);
    request.on('error', reject);
    request.write(Buffer.alloc(1024, 7));
  });
}

/** The 507 of the contract on a raw answer, and the tus header every /tus answer carries. */
function expectTus507(answer: { status: number; body: string; headers: Record<string, string | string[] | undefined> }): void {
  expect(answer.status, answer.body).toBe(507);
  expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  expect(answer.headers['tus-resumable']).toBe('1.0.0');
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body).toMatchObject({ error_code: 'INSUFFICIENT_STORAGE', request_id: answer.headers['x-request-id'] });
  expect(typeof body['message']).toBe('string');
}

/** A tus request with a complete body of `body` bytes (a fresh connection each). */
function tus(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, agent: false, headers: { ...TUS, ...headers } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The durable offset HEAD /tus/{id} reports. */
async function offsetOf(url: string): Promise<number> {
  const head = await tus(url, 'HEAD', {});
  expect(head.status).toBe(200);
  return Number(head.headers['upload-offset']);
}

const patchHeaders = (offset: number) => ({ ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) });

describe('disk floor (SEALBIN_MIN_FREE_BYTES)', () => {
  it('under the floor: creations are 507 before the body, reads and deletes work, /health and the metric name the disk', async () => {
    const dataDir = makeDataDir();
    const first = await startServer({ dataDir, env: { SEALBIN_MIN_FREE_BYTES: '0' } });
    const large = await createPaste(first.url, randomBytes(200_000));
    const small = await createPaste(first.url, 'kept while the disk is low');
    // A resumable upload begun while there was room (partials survive a restart; the client is the same).
    const begun = await tus(`${first.url}/tus`, 'POST', { 'upload-length': '100000' });
    expect(begun.status, begun.body).toBe(201);
    const uploadPath = new URL(begun.headers['location'] as string).pathname;
    expect((await tus(`${first.url}${uploadPath}`, 'PATCH', patchHeaders(0), randomBytes(40_000))).status).toBe(204);
    expect(await first.stop()).toBe(0);

    const server = await startServer({ dataDir, env: { SEALBIN_MIN_FREE_BYTES: String(HUGE_FLOOR) } });
    try {
      await expect507(await fetch(`${server.url}/`, { method: 'POST', body: 'a paste' }));
      const form = new FormData();
      form.append('file', new Blob(['a file']), 'a.txt');
      await expect507(await fetch(`${server.url}/upload`, { method: 'POST', body: form }));
      await expect507(await fetch(`${server.url}/s`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'https://example.org/' }));
      // 64 MiB declared, 1 KiB sent: the 507 comes anyway, so nothing waited for (or spooled) the body.
      const early = await answerBeforeBody(`${server.url}/`, 64 * 1024 * 1024);
      expect(early.status).toBe(507);
      expect(JSON.parse(early.body)).toMatchObject({ error_code: 'INSUFFICIENT_STORAGE' });
      expect(blobFiles(dataDir)).toHaveLength(1);

      // Disk exhaustion through tus: a new upload, deferred or declared, is refused from its headers,
      // and so is the next PATCH of one begun before, even a small one; nothing of it is stored.
      const tusBefore = readdirSync(join(dataDir, 'tus')).sort();
      expectTus507(await tus(`${server.url}/tus`, 'POST', { 'upload-defer-length': '1' }));
      expectTus507(await tus(`${server.url}/tus`, 'POST', { 'upload-length': '10' }));
      expectTus507(await tus(`${server.url}${uploadPath}`, 'PATCH', patchHeaders(40_000), randomBytes(10_000)));
      expect(await offsetOf(`${server.url}${uploadPath}`)).toBe(40_000);
      expect(readdirSync(join(dataDir, 'tus')).sort()).toEqual(tusBefore);
      // Termination frees space, so it goes on like any delete.
      expect((await tus(`${server.url}${uploadPath}`, 'DELETE', {})).status).toBe(204);

      // Reads and deletes go on (the URLs of the first server name its port, not this one's).
      const read = await fetch(`${server.url}/${small.id}/raw`);
      expect(read.status).toBe(200);
      expect(await read.text()).toBe('kept while the disk is low');
      expect((await fetch(`${server.url}/${large.id}/raw`)).status).toBe(200);
      const removed = await fetch(`${server.url}/${large.id}`, { method: 'DELETE', headers: { 'x-delete-token': large.delete_token as string } });
      expect(removed.status).toBe(204);
      expect(blobFiles(dataDir)).toHaveLength(0);

      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(503);
      const body = (await health.json()) as Health;
      expect(body.checks['disk']).toBe('failed');
      expect(body.checks['database']).toBe('ok');
      expect(body.disk?.min_free_bytes).toBe(HUGE_FLOOR);
      // statfs of the data dir's filesystem, give or take what others write meanwhile.
      expect(Math.abs((body.disk?.free_bytes ?? -1) - freeBytes(dataDir))).toBeLessThan(GiB);

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain(`sealbin_disk_min_free_bytes ${HUGE_FLOOR}`);
      const gauge = /^sealbin_disk_free_bytes\{location="data"\} ([0-9.e+]+)$/m.exec(metrics);
      expect(gauge).not.toBeNull();
      expect(Number(gauge?.[1])).toBeGreaterThan(0);
    } finally {
      await server.dispose();
    }
  });

  it('above the floor: small creations pass, one whose declared size would cross the floor is 507', async () => {
    const dataDir = makeDataDir();
    // 2 GiB of headroom: room for whatever else this machine writes meanwhile.
    const floor = freeBytes(dataDir) - 2 * GiB;
    const server = await startServer({ dataDir, env: { SEALBIN_MIN_FREE_BYTES: String(floor), SEALBIN_MAX_SIZE: '16GiB' } });
    try {
      expect((await fetch(`${server.url}/`, { method: 'POST', body: 'fits' })).status).toBe(201);
      const crossing = await answerBeforeBody(`${server.url}/`, 4 * GiB);
      expect(crossing.status).toBe(507);

      // tus: an Upload-Length that would cross the floor is refused at creation; a small one passes.
      expectTus507(await tus(`${server.url}/tus`, 'POST', { 'upload-length': String(4 * GiB) }));
      expect((await tus(`${server.url}/tus`, 'POST', { 'upload-length': '1000' })).status).toBe(201);
      // A deferred upload declares nothing at creation: its PATCH's Content-Length is what the floor
      // judges, before a byte of the 4 GiB is read; the upload keeps its offset and stays usable.
      const deferred = await tus(`${server.url}/tus`, 'POST', { 'upload-defer-length': '1' });
      expect(deferred.status, deferred.body).toBe(201);
      const upload = `${server.url}${new URL(deferred.headers['location'] as string).pathname}`;
      expect((await tus(upload, 'PATCH', patchHeaders(0), randomBytes(5000))).status).toBe(204);
      expectTus507(await answerBeforeBody(upload, 4 * GiB, { method: 'PATCH', headers: patchHeaders(5000) }));
      expect(await offsetOf(upload)).toBe(5000);
      expect((await tus(upload, 'PATCH', patchHeaders(5000), randomBytes(5000))).status).toBe(204);
      expect(await offsetOf(upload)).toBe(10_000);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as Health;
      expect(body.checks['disk']).toBe('ok');
      expect(body.disk?.min_free_bytes).toBe(floor);
    } finally {
      await server.dispose();
    }
  });
});
