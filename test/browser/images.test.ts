// Images are shown only when their bytes are an allowed raster type (PNG here), from a blob: URL, and
// can still be downloaded unchanged; names and claimed types never decide it either way.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, downloadBy, inPage, openAt, textOf, useBrowser } from '../helpers/browser.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { createPaste } from '../helpers/http.js';
import { makePng } from '../helpers/png.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: images by their bytes'), () => {
  const browsers = useBrowser();
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

  it('an encrypted PNG from fpaste is decoded and shown from a blob: URL, and downloads byte-identical', async () => {
    const png = makePng(40, 30, (x, y) => [x * 6, y * 8, 90]);
    writeFileSync(join(user.work, 'chart.png'), png);
    const url = printedUrl(expectExit(await user.run(['chart.png']), 0));
    const page = await browsers.newPage();
    await openAt(page, url, 'shown');
    await page.waitForFunction(`document.getElementById('image')?.complete === true`);
    expect(await inPage<[number, number]>(page, `[document.getElementById('image').naturalWidth, document.getElementById('image').naturalHeight]`)).toEqual([40, 30]);
    expect(await page.getAttribute('#image', 'src')).toMatch(/^blob:/);
    const { download, bytes } = await downloadBy(page, '#download');
    expect(sha256(bytes)).toBe(sha256(png));
    expect(download.suggestedFilename()).toBe('chart.png');
  });

  it('a PNG named .txt is still an image (magic bytes decide, not the name)', async () => {
    const png = makePng(8, 8, () => [255, 0, 0]);
    writeFileSync(join(user.work, 'not-really.txt'), png);
    const url = printedUrl(expectExit(await user.run(['not-really.txt']), 0));
    const page = await browsers.newPage();
    await openAt(page, url, 'shown');
    await page.waitForFunction(`document.getElementById('image')?.naturalWidth === 8`);
  });

  it('markup named photo.png and claimed as image/png is not shown as an image', async () => {
    const markup = '<html><body><img src=x onerror=alert(1)></body></html>\n';
    writeFileSync(join(user.work, 'photo.png'), markup);
    const url = printedUrl(expectExit(await user.run(['photo.png']), 0));
    const plain = await createPaste(server.url, markup, { 'content-type': 'image/png', 'x-filename': 'photo.png' });
    for (const link of [url, `${server.url}/${plain.id}`]) {
      const page = await browsers.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await openAt(page, link, 'shown');
      expect(await page.locator('#image').count()).toBe(0);
      expect(await page.locator('img').count()).toBe(0);
      // Shown as its characters, or offered for download: either way never parsed.
      if ((await page.locator('#content').count()) > 0) expect(await textOf(page, '#content')).toBe(markup);
      else expect(await page.locator('#download').isVisible()).toBe(true);
      expect(dialogs).toEqual([]);
    }
  });
});
