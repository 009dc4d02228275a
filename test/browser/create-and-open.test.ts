// The web page end to end in Chromium: what one person creates in the page, another opens from the
// link in a fresh browser (no shared storage) and gets back unchanged: text, a picked file, a dropped
// file, and a file of a few MiB that spans many 64 KiB encryption chunks.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, createFileInPage, createTextInPage, downloadBy, dropFile, openAt, recordRequests, splitLink, textOf, useBrowser, waitForState } from '../helpers/browser.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: create, then open the link elsewhere'), () => {
  const browsers = useBrowser();
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('a text created in the page (encrypted by default) opens in a fresh context as the same text', async () => {
    const text = 'Hello from the page\nsecond line: ünïcödé ✓ 🙂\n\ttabbed   spaced\n';
    const link = await createTextInPage(await browsers.newPage(), server.url, text);
    const { path, key } = splitLink(link);
    expect(path).toMatch(/^\/[0-9a-f]{32}$/);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // What the server stores is ciphertext in the E2E format, not the text.
    const raw = Buffer.from(await (await fetch(`${server.url}${path}/raw`)).arrayBuffer());
    expect(raw.subarray(0, 4).toString('latin1')).toBe('SBEE');
    expect(raw.includes(Buffer.from('Hello from the page'))).toBe(false);

    const reader = await browsers.newPage();
    await openAt(reader, link, 'shown');
    expect(await reader.locator('body').getAttribute('data-view')).toBe('paste');
    expect(await textOf(reader, '#content')).toBe(text);
  });

  it('a plain text (encryption unticked) is stored as sent and opens without a key', async () => {
    const text = 'plain words the server may read\n';
    const link = await createTextInPage(await browsers.newPage(), server.url, text, { encrypt: false });
    const { path, key } = splitLink(link);
    expect(key).toBeNull();
    expect(Buffer.from(await (await fetch(`${server.url}${path}/raw`)).arrayBuffer()).toString('utf8')).toBe(text);
    const reader = await browsers.newPage();
    await openAt(reader, link, 'shown');
    expect(await textOf(reader, '#content')).toBe(text);
  });

  it('the chosen expiry (one hour) and the burn box reach the server, and the link then waits for the click', async () => {
    const creator = await browsers.newPage();
    await openAt(creator, `${server.url}/`, 'ready');
    // One hour is not the server's default (seven days): the test sees the choice, not the default.
    expect(await creator.inputValue('#expiry')).not.toBe('3600');
    const text = 'expires in an hour, read once\n';
    const link = await createTextInPage(creator, server.url, text, { expiry: '3600', burn: true });
    const { path } = splitLink(link);

    // The metadata never burns; the server sets expires_at from its own clock at creation.
    const response = await fetch(`${server.url}${path}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    const meta = (await response.json()) as { created_at: number; expires_at: number | null; burn_after_read: boolean };
    expect(meta.burn_after_read).toBe(true);
    expect(meta.expires_at).not.toBeNull();
    expect(Math.abs((meta.expires_at ?? 0) - meta.created_at - 3600)).toBeLessThanOrEqual(5);

    const context = await browsers.newContext();
    const requests = recordRequests(context);
    const reader = await context.newPage();
    await openAt(reader, link, 'await-click');
    await reader.waitForLoadState('networkidle');
    expect((await requests.settle()).filter((request) => new URL(request.url).pathname.endsWith('/raw'))).toEqual([]);
    expect(await reader.locator('#show').isVisible()).toBe(true);
    await reader.click('#show');
    await waitForState(reader, 'shown');
    expect(await textOf(reader, '#content')).toBe(text);
  });

  it('a binary file picked with the file input comes back byte-identical as a download under its name', async () => {
    const data = Buffer.concat([randomBytes(70_000), Buffer.from([0, 0xff, 0xfe, 0x00])]);
    const link = await createFileInPage(await browsers.newPage(), server.url, { name: 'blob.bin', mimeType: 'application/octet-stream', buffer: data });
    const { path, key } = splitLink(link);
    expect(path).toMatch(/^\/download\/[a-z]+(-[a-z]+){5}$/);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const reader = await browsers.newPage();
    await openAt(reader, link, ['ready', 'await-click']);
    expect(await reader.locator('body').getAttribute('data-view')).toBe('share');
    const { download, bytes } = await downloadBy(reader, '#download');
    expect(sha256(bytes)).toBe(sha256(data));
    expect(download.suggestedFilename()).toBe('blob.bin');
  });

  it('a file dropped on the drop zone is uploaded like a picked one', async () => {
    const data = Buffer.from('dropped, not picked\n'.repeat(500));
    const creator = await browsers.newPage();
    await openAt(creator, `${server.url}/`, 'ready');
    await dropFile(creator, '#drop', { name: 'dropped.txt', mimeType: 'text/plain', buffer: data });
    await creator.click('#create');
    await waitForState(creator, 'created');
    const link = await creator.inputValue('#link');
    expect(splitLink(link).path).toMatch(/^\/download\//);

    const reader = await browsers.newPage();
    await openAt(reader, link, ['ready', 'await-click']);
    const { download, bytes } = await downloadBy(reader, '#download');
    expect(bytes.equals(data)).toBe(true);
    expect(download.suggestedFilename()).toBe('dropped.txt');
  });

  it('a 3 MiB file (48 chunks) survives encryption, upload, download and decryption intact', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 12_345);
    const creator = await browsers.newPage();
    const link = await createFileInPage(creator, server.url, { name: 'large.bin', mimeType: 'application/octet-stream', buffer: data });
    // The stored ciphertext is the content plus one tag per 64 KiB chunk and a header: proof it was chunked.
    const { path } = splitLink(link);
    const status = (await (await fetch(`${server.url}/status/${path.split('/').pop() ?? ''}`)).json()) as { size: number };
    expect(status.size).toBeGreaterThan(data.length + 48 * 16);

    const reader = await browsers.newPage();
    await openAt(reader, link, ['ready', 'await-click']);
    const { bytes } = await downloadBy(reader, '#download');
    expect(bytes.length).toBe(data.length);
    expect(sha256(bytes)).toBe(sha256(data));
  });
});
