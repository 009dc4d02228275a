// Burn after read: served to exactly one complete GET of the content, even under concurrency;
// metadata, HEAD and the 0-0 probe never burn, and no other range lets a reader dodge the burn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { bodyBytes, expectError, sha256 } from '../helpers/assertions.js';

const BURN = { 'X-Burn-After-Read': '1' };

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

async function expectGone(created: Created): Promise<void> {
  await expectError(await fetch(created.raw), 404, 'NOT_FOUND');
  await expectError(await fetch(created.url), 404, 'NOT_FOUND');
  const head = await fetch(created.raw, { method: 'HEAD' });
  expect(head.status).toBe(404);
}

async function readOnce(created: Created, expected: Buffer): Promise<void> {
  const response = await fetch(created.raw);
  expect(response.status).toBe(200);
  expect((await bodyBytes(response)).equals(expected)).toBe(true);
}

/** Fires `count` simultaneous GETs and sorts the outcomes. */
async function race(url: string, count: number): Promise<{ ok: Buffer[]; notFound: number; other: string[] }> {
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        const response = await fetch(url);
        const bytes = await bodyBytes(response);
        return { status: response.status, bytes, contentType: response.headers.get('content-type') };
      } catch (error) {
        return { status: 0, bytes: Buffer.from(String(error)), contentType: null };
      }
    }),
  );
  const ok = results.filter((r) => r.status === 200).map((r) => r.bytes);
  const notFound = results.filter((r) => r.status === 404 && r.contentType === 'application/json; charset=utf-8' && JSON.parse(r.bytes.toString()).error_code === 'NOT_FOUND').length;
  const other = results.filter((r) => r.status !== 200 && r.status !== 404).map((r) => `${r.status}: ${r.bytes.toString().slice(0, 200)}`);
  return { ok, notFound, other };
}

describe('burn after read (pastes)', () => {
  it('is flagged at creation; the returned url is the non-burning metadata view', async () => {
    const created = await createPaste(server.url, 'flagged', BURN);
    expect(created.burn_after_read).toBe(true);
    expect(created.url).toBe(`${server.url}/${created.id}`);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(created.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const meta = (await response.json()) as Created;
      expect(meta.burn_after_read).toBe(true);
      expect(meta.id).toBe(created.id);
    }
    await readOnce(created, Buffer.from('flagged'));
    await expectGone(created);
  });

  it('accepts X-Burn-After-Read: true', async () => {
    const created = await createPaste(server.url, 'true works', { 'X-Burn-After-Read': 'true' });
    expect(created.burn_after_read).toBe(true);
    await readOnce(created, Buffer.from('true works'));
    await expectGone(created);
  });

  it('HEAD, metadata, link-preview bots and the bytes=0-0 probe do not burn; the first full GET does', async () => {
    const content = Buffer.from('read me exactly once');
    const created = await createPaste(server.url, content, BURN);
    for (let i = 0; i < 2; i++) {
      const headRaw = await fetch(created.raw, { method: 'HEAD' });
      expect(headRaw.status).toBe(200);
      expect(headRaw.headers.get('content-length')).toBe(String(content.length));
      const headMeta = await fetch(created.url, { method: 'HEAD' });
      expect(headMeta.status).toBe(200);
      const meta = await fetch(created.url);
      expect(meta.status).toBe(200);
      await meta.arrayBuffer();
      for (const agent of ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'facebookexternalhit/1.1', 'Twitterbot/1.0', 'WhatsApp/2.23', 'Discordbot/2.0']) {
        const bot = await fetch(created.url, { headers: { 'User-Agent': agent } });
        expect(bot.status).toBe(200);
        await bot.arrayBuffer();
      }
      const probe = await fetch(created.raw, { headers: { Range: 'bytes=0-0' } });
      expect([200, 206]).toContain(probe.status);
      const probeBytes = await bodyBytes(probe);
      if (probe.status === 206) expect(probeBytes.equals(content.subarray(0, 1))).toBe(true);
    }
    await readOnce(created, content);
    await expectGone(created);
    // Probes after the burn find nothing either.
    await expectError(await fetch(created.raw, { headers: { Range: 'bytes=0-0' } }), 404, 'NOT_FOUND');
  });

  it.each(['bytes=0-10', 'bytes=5-', 'bytes=-3', 'bytes=1-1', 'bytes=0-1'])('a %s range on a burn item gets the full content and burns it', async (range) => {
    const content = Buffer.from('no piecewise reading of this secret, please');
    const created = await createPaste(server.url, content, BURN);
    const response = await fetch(created.raw, { headers: { Range: range } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-range')).toBeNull();
    expect((await bodyBytes(response)).equals(content)).toBe(true);
    await expectGone(created);
  });

  it('a second full GET after the first gets 404 (and DELETE of a burned paste is 404)', async () => {
    const created = await createPaste(server.url, 'gone after one', BURN);
    await readOnce(created, Buffer.from('gone after one'));
    await expectError(await fetch(created.raw), 404, 'NOT_FOUND');
    await expectError(await fetch(created.url, { method: 'DELETE', headers: { 'X-Delete-Token': created.delete_token as string } }), 404, 'NOT_FOUND');
  });

  it('a non-burn paste is readable many times (control)', async () => {
    const created = await createPaste(server.url, 'read me often');
    expect(created.burn_after_read).toBe(false);
    for (let i = 0; i < 3; i++) await readOnce(created, Buffer.from('read me often'));
  });
});

describe('burn after read under concurrency', () => {
  it('20 concurrent GETs of a small burn paste: exactly one 200 with the content, the rest 404 (3 rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      const content = Buffer.from(`small secret, round ${round}: ${randomBytes(8).toString('hex')}`);
      const created = await createPaste(server.url, content, BURN);
      const { ok, notFound, other } = await race(created.raw, 20);
      expect(other).toEqual([]);
      expect(ok.length, `round ${round}`).toBe(1);
      expect(notFound, `round ${round}`).toBe(19);
      expect((ok[0] as Buffer).equals(content)).toBe(true);
      await expectGone(created);
    }
  });

  it('20 concurrent GETs of a ~2 MB burn paste: exactly one 200 with the content, the rest 404 (2 rounds)', async () => {
    for (let round = 0; round < 2; round++) {
      const content = Buffer.concat([Buffer.alloc(16), randomBytes(2 * 1024 * 1024 + 99)]);
      const created = await createPaste(server.url, content, { ...BURN, 'Content-Type': 'application/octet-stream' });
      const { ok, notFound, other } = await race(created.raw, 20);
      expect(other).toEqual([]);
      expect(ok.length, `round ${round}`).toBe(1);
      expect(notFound, `round ${round}`).toBe(19);
      expect(sha256(ok[0] as Buffer)).toBe(sha256(content));
      await expectGone(created);
    }
  });

  it('20 concurrent downloads of a burn file share: exactly one 200, the rest 404', async () => {
    const content = Buffer.concat([Buffer.alloc(16), randomBytes(300 * 1024)]);
    const file = await uploadFile(server.url, content, 'race.bin', BURN);
    const { ok, notFound, other } = await race(file.download_url as string, 20);
    expect(other).toEqual([]);
    expect(ok.length).toBe(1);
    expect(notFound).toBe(19);
    expect((ok[0] as Buffer).equals(content)).toBe(true);
  });
});

describe('burn after read (file shares)', () => {
  it('status, preview (without text) and HEAD do not burn; the first download does, everywhere', async () => {
    const content = 'a burn-after-read file share';
    const file = await uploadFile(server.url, content, 'burn.txt', BURN);
    expect(file.burn_after_read).toBe(true);
    const base = server.url;
    for (let i = 0; i < 2; i++) {
      const status = await fetch(`${base}/status/${file.key}`);
      expect(status.status).toBe(200);
      const statusBody = (await status.json()) as { burn_after_read: boolean; downloads: number };
      expect(statusBody.burn_after_read).toBe(true);
      expect(statusBody.downloads).toBe(0);
      const preview = await fetch(`${base}/preview/${file.key}`);
      expect(preview.status).toBe(200);
      // A preview of a burn share would be a free read: metadata only (issue 11).
      expect(await preview.json()).toMatchObject({ text: null, text_withheld: 'burn_after_read' });
      const head = await fetch(file.download_url as string, { method: 'HEAD' });
      expect(head.status).toBe(200);
      const probe = await fetch(file.download_url as string, { headers: { Range: 'bytes=0-0' } });
      expect([200, 206]).toContain(probe.status);
      await probe.arrayBuffer();
    }
    const download = await fetch(file.download_url as string);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition') ?? '').toMatch(/^attachment/);
    expect(await download.text()).toBe(content);

    await expectError(await fetch(file.download_url as string), 404, 'NOT_FOUND');
    await expectError(await fetch(`${base}/status/${file.key}`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${base}/preview/${file.key}`), 404, 'NOT_FOUND');
    await expectGone(file);
  });

  it('reading a burn file share through its hex id burns the key too', async () => {
    const file = await uploadFile(server.url, 'burn via id', 'via-id.txt', BURN);
    await readOnce(file, Buffer.from('burn via id'));
    await expectError(await fetch(file.download_url as string), 404, 'NOT_FOUND');
  });
});
