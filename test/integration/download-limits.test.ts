// download limits (black box, issue 15): X-Max-Downloads: N serves exactly N complete reads, even
// when N + 5 readers race, then the item is gone and its blob shredded; a slow reader of an earlier
// read is never cut short by the one who takes the last; HEAD, the bytes=0-0 probe, metadata, status,
// previews and link-preview bots never spend a read, other ranges are ignored (whole read, counted);
// bad values are 400 before anything is stored; expiry and delete still apply; short links count
// redirects the same way.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { expectError } from '../helpers/contract.js';
import { blobFiles, expectOverwritten, holdFile } from '../helpers/data-dir.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: RunningServer;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const SLACKBOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

type Limited = Created & { downloads_remaining: number | null };

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.dispose();
});

async function remaining(id: string): Promise<number | null> {
  const response = await fetch(`${server.url}/${id}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as Limited).downloads_remaining;
}

/** A GET that reads the whole body, or reports how it ended. */
async function read(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

describe('X-Max-Downloads', () => {
  it('N + 5 parallel reads: exactly N complete, byte-identical 200s and 5 × 404, then the item is gone and its blob shredded', async () => {
    const N = 3;
    // Over the 1 MiB verify-before-send threshold: every winner streams from the blob.
    const content = randomBytes(2 * 1024 * 1024 + 17);
    const before = blobFiles(server.dataDir);
    const paste = (await createPaste(server.url, content, { 'X-Max-Downloads': String(N) })) as Limited;
    expect(paste.downloads_remaining).toBe(N);
    expect(paste.sha256).toBe(sha256(content)); // the uploader knows the content anyway
    const stored = blobFiles(server.dataDir).filter((file) => !before.includes(file));
    expect(stored).toHaveLength(1);
    // Kept open on the blob's inode: after the unlink it tells whether the ciphertext was overwritten
    // first (shredded) or the name merely removed, leaving the old bytes on the disk.
    const held = holdFile(join(server.dataDir, stored[0] as string));
    onTestFinished(() => held.close());

    const results = await Promise.all(Array.from({ length: N + 5 }, () => read(paste.raw)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(N);
    for (const r of ok) {
      expect(r.body.equals(content)).toBe(true);
      expect(r.headers.get('x-content-sha256')).toBe(sha256(content));
    }
    expect(results.filter((r) => r.status === 404)).toHaveLength(5);

    expect((await fetch(paste.url)).status).toBe(404);
    expect((await fetch(paste.raw)).status).toBe(404);
    await waitFor(() => !blobFiles(server.dataDir).includes(stored[0] as string), 'the spent item\'s blob to be shredded');
    expectOverwritten(held.original, held.now(), 'the spent item\'s blob');
  });

  it('a slow reader of an earlier read is served whole although a faster one took the last read meanwhile', async () => {
    const content = randomBytes(8 * 1024 * 1024);
    const before = blobFiles(server.dataDir);
    const paste = await createPaste(server.url, content, { 'X-Max-Downloads': '2' });
    const blob = blobFiles(server.dataDir).filter((file) => !before.includes(file));
    expect(blob).toHaveLength(1);

    // Reader A takes the first read and then stops reading (its response is claimed once headers arrive).
    const slow = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = httpRequest(paste.raw, (response) => resolve(response));
      request.on('error', reject);
      request.end();
    });
    expect(slow.statusCode).toBe(200);
    slow.pause();
    // Reader B takes the last read and finishes first.
    const fast = await read(paste.raw);
    expect(fast.status).toBe(200);
    expect(fast.body.equals(content)).toBe(true);
    expect((await fetch(paste.raw)).status).toBe(404);
    expect(blobFiles(server.dataDir)).toContain(blob[0]); // A is still reading it

    const chunks: Buffer[] = [];
    slow.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve, reject) => {
      slow.once('end', resolve);
      slow.once('error', reject);
      slow.resume();
    });
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    await waitFor(() => !blobFiles(server.dataDir).includes(blob[0] as string), 'the blob to be shredded after the last reader finished');
  });

  it('a download cancelled after it started counts (docs/api.md): one read spent, the rest still served', async () => {
    const content = randomBytes(4 * 1024 * 1024);
    const paste = await createPaste(server.url, content, { 'X-Max-Downloads': '2' });
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(paste.raw, (response) => {
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-downloads-remaining']).toBe('1');
        // Hang up after the first chunk, as a cancelled browser download does.
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
      request.end();
    });
    await waitFor(async () => (await remaining(paste.id)) === 1, 'the cancelled read to be counted');
    const last = await read(paste.raw);
    expect(last.status).toBe(200);
    expect(last.body.equals(content)).toBe(true);
    expect(last.headers.get('x-downloads-remaining')).toBe('0');
    expect((await fetch(paste.raw)).status).toBe(404);
  });

  it('file shares: /download counts down, /status and /preview show what is left and never spend it', async () => {
    const text = 'meeting notes: the launch is on tuesday\n';
    const share = (await uploadFile(server.url, text, 'notes.txt', { 'X-Max-Downloads': '2' })) as Limited;
    expect(share.downloads_remaining).toBe(2);
    const status = async () => (await (await fetch(`${server.url}/status/${share.key}`)).json()) as { downloads: number; downloads_remaining: number | null };
    const preview = async () => (await (await fetch(`${server.url}/preview/${share.key}`)).json()) as Record<string, unknown>;
    for (let i = 0; i < 3; i++) {
      // A preview of a limited share is a free read: no text, and it says why.
      expect(await preview()).toMatchObject({ text: null, text_withheld: 'download_limit', downloads_remaining: 2 });
      expect(await status()).toMatchObject({ downloads: 0, downloads_remaining: 2 });
    }
    const first = await read(`${server.url}/download/${share.key}`);
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe(text);
    expect(await status()).toMatchObject({ downloads: 1, downloads_remaining: 1 });
    expect((await read(`${server.url}/download/${share.key}`)).body.toString()).toBe(text);
    expect((await fetch(`${server.url}/download/${share.key}`)).status).toBe(404);
    expect((await fetch(`${server.url}/status/${share.key}`)).status).toBe(404);
  });

  it('HEAD, the bytes=0-0 probe, metadata and preview bots never count; any other range is ignored and counts', async () => {
    const content = 'limited content, 32 bytes long!!';
    const paste = (await createPaste(server.url, content, { 'X-Max-Downloads': '2' })) as Limited;

    const head = await fetch(paste.raw, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('accept-ranges')).toBe('none');
    expect(head.headers.get('x-content-sha256')).toBeNull(); // no free hash oracle
    const probe = await read(paste.raw, { Range: 'bytes=0-0' });
    expect(probe.status).toBe(206);
    expect(probe.body.toString()).toBe('l');
    const bot = await read(paste.raw, { 'User-Agent': SLACKBOT });
    expect(bot.status).toBe(200);
    expect(bot.body.toString()).not.toContain(content);
    expect(bot.body.toString()).toMatch(/limited number of times/);
    const meta = (await (await fetch(paste.url)).json()) as Limited;
    expect(meta).toMatchObject({ downloads_remaining: 2, sha256: null, burn_after_read: false });
    expect(await remaining(paste.id)).toBe(2);

    // A range other than the probe would let a reader fetch everything piecewise: served whole, counted.
    const ranged = await read(paste.raw, { Range: 'bytes=2-5' });
    expect(ranged.status).toBe(200);
    expect(ranged.body.toString()).toBe(content);
    expect(ranged.headers.get('accept-ranges')).toBe('none');
    expect(ranged.headers.get('x-content-sha256')).toBe(sha256(content));
    expect(await remaining(paste.id)).toBe(1);
  });

  it('an unlimited item says downloads_remaining: null and keeps serving ranges', async () => {
    const paste = (await createPaste(server.url, 'plain old paste')) as Limited;
    expect(paste.downloads_remaining).toBeNull();
    for (let i = 0; i < 3; i++) expect((await read(paste.raw)).status).toBe(200);
    expect(await remaining(paste.id)).toBeNull();
    expect((await read(paste.raw, { Range: 'bytes=0-4' })).status).toBe(206);
  });

  it.each([
    ['0'],
    ['1001'],
    ['-1'],
    ['+3'],
    ['03'],
    ['1.5'],
    ['1e2'],
    ['0x10'],
    ['three'],
    [''],
    ['3, 3'],
  ])('refuses X-Max-Downloads: %j with 400 INVALID_REQUEST on every creation route, storing nothing', async (value) => {
    const before = blobFiles(server.dataDir);
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: 'x'.repeat(70_000), headers: { 'X-Max-Downloads': value } }), 400, 'INVALID_REQUEST');
    const form = new FormData();
    form.append('file', new Blob(['y'.repeat(70_000)]), 'f.bin');
    await expectError(await fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: { 'X-Max-Downloads': value } }), 400, 'INVALID_REQUEST');
    await expectError(await fetch(`${server.url}/s`, { method: 'POST', body: 'https://example.org/', headers: { 'Content-Type': 'text/plain', 'X-Max-Downloads': value } }), 400, 'INVALID_REQUEST');
    expect(blobFiles(server.dataDir)).toEqual(before);
  });

  it('refuses the header given twice, and together with burn after read', async () => {
    const twice = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // Two header lines (Node's fetch would merge them): the server sees "2, 2".
      const request = httpRequest(`${server.url}/`, { method: 'POST', headers: { 'X-Max-Downloads': ['2', '2'], 'Content-Type': 'text/plain' } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end('twice');
    });
    expect(twice.status).toBe(400);
    expect(JSON.parse(twice.body)).toMatchObject({ error_code: 'INVALID_REQUEST', message: expect.stringMatching(/once/) });
    const both = await expectError(await fetch(`${server.url}/`, { method: 'POST', body: 'both', headers: { 'X-Max-Downloads': '3', 'X-Burn-After-Read': '1' } }), 400, 'INVALID_REQUEST');
    expect(both.message).toMatch(/X-Burn-After-Read/);
    // Explicitly not burning is no contradiction.
    const fine = (await createPaste(server.url, 'fine', { 'X-Max-Downloads': '1000', 'X-Burn-After-Read': '0' })) as Limited;
    expect(fine.downloads_remaining).toBe(1000);
  });

  it('a burn-after-read item is a limit of one: downloads_remaining 1, then gone', async () => {
    const paste = (await createPaste(server.url, 'burn me', { 'X-Burn-After-Read': '1' })) as Limited;
    expect(paste.downloads_remaining).toBe(1);
    expect(await remaining(paste.id)).toBe(1);
    expect((await read(paste.raw)).body.toString()).toBe('burn me');
    expect((await fetch(paste.url)).status).toBe(404);
  });

  it('expiry and delete still apply to limited items', async () => {
    const expiring = await createPaste(server.url, 'soon gone', { 'X-Max-Downloads': '5', 'X-Expiry': '2' });
    expect((await read(expiring.raw)).status).toBe(200);
    await waitFor(async () => (await fetch(expiring.raw)).status === 404, 'the limited item to expire', { timeoutMs: 15_000, intervalMs: 200 });

    const before = blobFiles(server.dataDir);
    const deleted = await createPaste(server.url, randomBytes(100_000), { 'X-Max-Downloads': '5' });
    const blob = blobFiles(server.dataDir).filter((file) => !before.includes(file));
    expect(blob).toHaveLength(1);
    expect((await read(deleted.raw)).status).toBe(200);
    const response = await fetch(deleted.url, { method: 'DELETE', headers: { 'X-Delete-Token': deleted.delete_token as string } });
    expect(response.status).toBe(204);
    expect((await fetch(deleted.raw)).status).toBe(404);
    expect(blobFiles(server.dataDir)).not.toContain(blob[0]);
  });
});

describe('X-Max-Downloads on short links: N redirects', () => {
  it('redirects exactly N times under parallel clicks, then the link is gone; info and bots spend nothing', async () => {
    const response = await fetch(`${server.url}/s`, { method: 'POST', body: 'https://example.org/limited', headers: { 'Content-Type': 'text/plain', 'X-Max-Downloads': '3' } });
    expect(response.status).toBe(201);
    const link = (await response.json()) as { id: string; short_url: string; clicks_remaining: number | null };
    expect(link.clicks_remaining).toBe(3);
    const info = async () => (await (await fetch(`${server.url}/s/${link.id}/info`)).json()) as { clicks: number; clicks_remaining: number | null };
    const bot = await fetch(link.short_url, { redirect: 'manual', headers: { 'User-Agent': SLACKBOT } });
    expect(bot.status).toBe(200);
    expect(bot.headers.get('location')).toBeNull();
    expect(await info()).toMatchObject({ clicks: 0, clicks_remaining: 3 });

    const clicks = await Promise.all(Array.from({ length: 8 }, () => fetch(link.short_url, { redirect: 'manual' })));
    const redirected = clicks.filter((c) => c.status === 302);
    expect(redirected).toHaveLength(3);
    for (const c of redirected) expect(c.headers.get('location')).toBe('https://example.org/limited');
    expect(clicks.filter((c) => c.status === 404)).toHaveLength(5);
    expect((await fetch(`${server.url}/s/${link.id}/info`)).status).toBe(404);

    const unlimited = (await (await fetch(`${server.url}/s`, { method: 'POST', body: 'https://example.org/free', headers: { 'Content-Type': 'text/plain' } })).json()) as { short_url: string; clicks_remaining: number | null };
    expect(unlimited.clicks_remaining).toBeNull();
    // Unlimited links redirect bots as anyone.
    expect((await fetch(unlimited.short_url, { redirect: 'manual', headers: { 'User-Agent': SLACKBOT } })).status).toBe(302);
  });
});
