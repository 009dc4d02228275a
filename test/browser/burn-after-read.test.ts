// Burn-after-read items survive the page loading: link previews, bots and a curious click on a link
// must not destroy them. Only the explicit "Show" / "Download" click fetches the content, once.
// Download-limited items (X-Max-Downloads) are gated the same way: a page load must not spend a read.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, downloadBy, openAt, recordRequests, splitLink, textOf, useBrowser, waitForState } from '../helpers/browser.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

/** Content requests (not the page itself): the ones that would burn the item. */
const contentRequests = (urls: { url: string; resourceType: string }[]): string[] =>
  urls.filter((request) => request.resourceType !== 'document' && /\/raw(\?|$)|\/download\//.test(new URL(request.url).pathname)).map((request) => request.url);

/** Waits until the page has had no request in flight for a while: whatever it fetches on load, it has fetched. */
const networkSettled = (page: Page): Promise<void> => page.waitForLoadState('networkidle');

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: burn-after-read items burn only on the click'), () => {
  const browsers = useBrowser();

  /** Opens `url` in a fresh context, as a link preview would, and checks the load fetched no content. */
  async function openWithoutFetching(url: string) {
    const context = await browsers.newContext();
    const requests = recordRequests(context);
    const page = await context.newPage();
    await openAt(page, url, 'await-click');
    await networkSettled(page);
    expect(contentRequests(await requests.settle())).toEqual([]);
    return { requests, page };
  }
  let server: RunningServer;
  let user: FpasteUser;

  beforeAll(async () => {
    server = await startServer();
    user = new FpasteUser(server.url);
  });
  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
  });

  /** HEAD of a paste or its raw content, GET of a share's status: none of them burns. */
  const exists = async (path: string): Promise<number> => (await fetch(`${server.url}${path}`, { method: path.startsWith('/status/') ? 'GET' : 'HEAD', headers: { accept: 'application/json' } })).status;

  it('an encrypted burn paste (fpaste --burn): loading asks nothing of /raw, the click shows it, a second load says it is gone', async () => {
    const text = 'read me once\n';
    const url = printedUrl(expectExit(await user.run(['--burn'], { input: text }), 0));
    const { path } = splitLink(url);

    const { requests, page } = await openWithoutFetching(url);
    expect(await page.locator('#show').isVisible()).toBe(true);
    expect(await textOf(page, '#content')).toBe('');
    // Still there after the page loaded (HEAD never burns).
    expect(await exists(path)).toBe(200);
    expect(await exists(`${path}/raw`)).toBe(200);

    await page.click('#show');
    await waitForState(page, 'shown');
    expect(await textOf(page, '#content')).toBe(text);
    expect(contentRequests(await requests.settle())).toHaveLength(1);
    expect(await exists(path)).toBe(404);

    const again = await browsers.newPage();
    await openAt(again, url, 'error');
    expect(await textOf(again, '#error')).toMatch(/not found|expired|deleted|already|gone/i);
    expect(await textOf(again, '#content')).toBe('');
  });

  it('a plain burn paste: the same, and reloading the page before the click does not burn it', async () => {
    const created = await createPaste(server.url, 'plain and burning\n', { 'x-burn-after-read': '1', 'content-type': 'text/plain' });
    const path = `/${created.id}`;
    const context = await browsers.newContext();
    const requests = recordRequests(context);
    const page = await context.newPage();
    await openAt(page, `${server.url}${path}`, 'await-click');
    await page.reload();
    await waitForState(page, 'await-click');
    await networkSettled(page);
    expect(contentRequests(await requests.settle())).toEqual([]);
    expect(await exists(path)).toBe(200);
    await page.click('#show');
    await waitForState(page, 'shown');
    expect(await textOf(page, '#content')).toBe('plain and burning\n');
    expect(await exists(path)).toBe(404);
  });

  it('a burn file share: the share page fetches nothing of /download until the Download click', async () => {
    const data = randomBytes(40_000);
    writeFileSync(join(user.work, 'once.bin'), data);
    const url = printedUrl(expectExit(await user.run(['upload', '--burn', 'once.bin']), 0));
    const phrase = splitLink(url).path.split('/').pop() ?? '';

    const { page } = await openWithoutFetching(url);
    expect(await exists(`/status/${phrase}`)).toBe(200);

    const { bytes } = await downloadBy(page, '#download');
    expect(bytes.equals(data)).toBe(true);
    expect(await exists(`/status/${phrase}`)).toBe(404);

    const again = await browsers.newPage();
    await openAt(again, url, 'error');
    expect(await textOf(again, '#error')).toMatch(/not found|expired|deleted|already|gone/i);
  });

  /** downloads_remaining from the metadata (GET /{id}) or the share's /status: neither spends a read. */
  const remaining = async (path: string): Promise<number | null> => {
    const metaPath = path.startsWith('/download/') ? `/status/${path.slice('/download/'.length)}` : path;
    const response = await fetch(`${server.url}${metaPath}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { downloads_remaining: number | null }).downloads_remaining;
  };

  const shareData = randomBytes(30_000);
  const limited: [string, () => Promise<string>][] = [
    ['an encrypted paste (fpaste --max-downloads 2)', async () => printedUrl(expectExit(await user.run(['--max-downloads', '2'], { input: 'twice, encrypted\n' }), 0))],
    ['a plain paste (X-Max-Downloads: 2)', async () => (await createPaste(server.url, 'twice, plain\n', { 'x-max-downloads': '2', 'content-type': 'text/plain' })).url],
    [
      'an encrypted file share (fpaste upload --max-downloads 2)',
      async () => {
        writeFileSync(join(user.work, 'twice.bin'), shareData);
        return printedUrl(expectExit(await user.run(['upload', '--max-downloads', '2', 'twice.bin']), 0));
      },
    ],
    ['a plain file share (X-Max-Downloads: 2)', async () => (await uploadFile(server.url, shareData, 'twice.bin', { 'x-max-downloads': '2' })).download_url ?? ''],
  ];

  it.each(limited)('%s: loading spends no read, the click spends exactly one', async (_title, create) => {
    const url = await create();
    const { path } = splitLink(url);
    const isShare = path.startsWith('/download/');
    expect(await remaining(path)).toBe(2);

    const { requests, page } = await openWithoutFetching(url);
    expect(await page.locator(isShare ? '#download' : '#show').isVisible()).toBe(true);
    expect(await textOf(page, '#content')).toBe('');
    expect(await remaining(path)).toBe(2);

    if (isShare) {
      const { bytes } = await downloadBy(page, '#download');
      expect(bytes.equals(shareData)).toBe(true);
    } else {
      await page.click('#show');
      await waitForState(page, 'shown');
      expect(await textOf(page, '#content')).toMatch(/^twice, (encrypted|plain)\n$/);
    }
    expect(contentRequests(await requests.settle())).toHaveLength(1);
    expect(await remaining(path)).toBe(1);
  });
});
