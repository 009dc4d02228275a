// disk-floor (black box): SEALBIN_MIN_FREE_BYTES. Below it every creation answers 507
// INSUFFICIENT_STORAGE from the headers alone (nothing of the body is read or stored), while reads
// and deletes go on; /health fails "disk" with the measured free bytes and the floor; the metric has
// both. Above it, a creation whose declared size would cross the floor is refused, smaller ones pass.
import { statfsSync } from 'node:fs';
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

/**
 * Sends the headers of a POST declaring `declared` bytes and only the first few of them, then waits
 * for the answer: one that comes proves the server decided from the headers alone.
 */
function answerBeforeBody(url: string, declared: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-length': String(declared), 'content-type': 'application/octet-stream' } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
        request.destroy();
      });
    });
    request.on('error', reject);
    request.write(Buffer.alloc(1024, 7));
  });
}

describe('disk floor (SEALBIN_MIN_FREE_BYTES)', () => {
  it('under the floor: creations are 507 before the body, reads and deletes work, /health and the metric name the disk', async () => {
    const dataDir = makeDataDir();
    const first = await startServer({ dataDir, env: { SEALBIN_MIN_FREE_BYTES: '0' } });
    const large = await createPaste(first.url, randomBytes(200_000));
    const small = await createPaste(first.url, 'kept while the disk is low');
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
  }, 60_000);

  it('above the floor: small creations pass, one whose declared size would cross the floor is 507', async () => {
    const dataDir = makeDataDir();
    // 2 GiB of headroom: room for whatever else this machine writes meanwhile.
    const floor = freeBytes(dataDir) - 2 * GiB;
    const server = await startServer({ dataDir, env: { SEALBIN_MIN_FREE_BYTES: String(floor), SEALBIN_MAX_SIZE: '16GiB' } });
    try {
      expect((await fetch(`${server.url}/`, { method: 'POST', body: 'fits' })).status).toBe(201);
      const crossing = await answerBeforeBody(`${server.url}/`, 4 * GiB);
      expect(crossing.status).toBe(507);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as Health;
      expect(body.checks['disk']).toBe('ok');
      expect(body.disk?.min_free_bytes).toBe(floor);
    } finally {
      await server.dispose();
    }
  }, 60_000);
});
