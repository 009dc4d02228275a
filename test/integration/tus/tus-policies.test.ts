// tus-policies (black box): a resumable upload is a creation under the same policies as POST /upload.
// Quotas: a declared Upload-Length that cannot fit is refused at creation, and a completed upload
// counts against its creator; X-Max-Downloads given at creation limits the finished file share;
// burn after read and a download limit together are refused like on the other creation routes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeServer, expectErrorHit } from '../../helpers/abuse.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { createUpload, expectSameBytes, sendRest, tusCreate } from '../../helpers/tus.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_QUOTA_BYTES: '100000' } });
});
afterAll(async () => {
  await disposeServer(server);
});

describe('tus under quotas and download limits', () => {
  it('a declared length over the byte quota is 413 QUOTA_EXCEEDED at creation', async () => {
    const refused = await tusCreate(server.url, { 'upload-length': '100001' });
    expectErrorHit(refused, 413, 'QUOTA_EXCEEDED');
    expect(JSON.parse(refused.text)).toMatchObject({ quota: 'bytes', used: 0, limit: 100000 });
  });

  it('burn after read with a download limit is refused', async () => {
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '10', 'x-burn-after-read': '1', 'x-max-downloads': '2' }), 400, 'INVALID_REQUEST');
  });

  it('a completed upload with X-Max-Downloads: 2 serves exactly two downloads and then counts no more against the quota', async () => {
    const content = randomBytes(60_000);
    const path = await createUpload(server.url, { 'upload-length': String(content.length), 'x-max-downloads': '2' });
    const done = await sendRest(server.url, path, content, 0, 25_000);
    const key = done.header('x-sealbin-key') as string;
    expect(key).toMatch(/^[a-z]+(-[a-z]+){5}$/);
    const status = await fetch(`${server.url}/status/${key}`);
    expect(((await status.json()) as { downloads_remaining: number }).downloads_remaining).toBe(2);
    // The finished 60,000 bytes count: another 60,000 cannot be declared under the 100,000 quota.
    const over = await tusCreate(server.url, { 'upload-length': String(content.length) });
    expectErrorHit(over, 413, 'QUOTA_EXCEEDED');
    expect(JSON.parse(over.text)).toMatchObject({ quota: 'bytes', used: 60_000 });
    for (let read = 0; read < 2; read++) {
      const response = await fetch(`${server.url}/download/${key}`);
      expect(response.status).toBe(200);
      expectSameBytes(Buffer.from(await response.arrayBuffer()), content);
    }
    expect((await fetch(`${server.url}/download/${key}`)).status).toBe(404);
    // Spent, it is gone and frees its quota at once.
    expect((await tusCreate(server.url, { 'upload-length': String(content.length) })).status).toBe(201);
  });
});
