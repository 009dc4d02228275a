// One format for the CLI and the page: a link fpaste prints opens in the page, and a link the page
// shows opens with `fpaste get` / `fpaste download`, byte for byte, in both directions.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, createFileInPage, createTextInPage, downloadBy, openAt, splitLink, textOf, useBrowser } from '../helpers/browser.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe.skipIf(browserUnavailable !== null)(browserSuite('web page and fpaste read each other\'s links'), () => {
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

  describe('CLI → page', () => {
    it('fpaste text (end-to-end encrypted by default) shows in the page as the same text', async () => {
      const text = 'made by fpaste\nünïcödé ✓\n<b>not bold</b>\n';
      const url = printedUrl(expectExit(await user.run([], { input: text }), 0));
      expect(splitLink(url).key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const page = await browsers.newPage();
      await openAt(page, url, 'shown');
      expect(await textOf(page, '#content')).toBe(text);
    });

    it('a long text (about 700 kB) is shown page by page, and the pages together are the text', async () => {
      const lines = Array.from({ length: 9000 }, (_, index) => `line ${index}: ${'ünïcödé ✓ '.repeat(7)}`);
      const text = `${lines.join('\n')}\n`;
      const url = printedUrl(expectExit(await user.run([], { input: text }), 0));
      const page = await browsers.newPage();
      await openAt(page, url, 'shown');
      expect(await page.isDisabled('#prev')).toBe(true);
      const pages: string[] = [];
      for (;;) {
        pages.push(await textOf(page, '#content'));
        if (await page.isDisabled('#next')) break;
        const info = await textOf(page, '#page-info');
        await page.click('#next');
        await page.waitForFunction(`document.getElementById('page-info').textContent !== ${JSON.stringify(info)}`);
        if (pages.length > 20) throw new Error('more pages than a 700 kB text can have');
      }
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.join('')).toBe(text);
    });

    it('fpaste binary file is offered by the page as a download with the same bytes and its name', async () => {
      const data = Buffer.concat([randomBytes(200_000), Buffer.from([0, 0, 0xff])]);
      writeFileSync(join(user.work, 'cli-blob.bin'), data);
      const url = printedUrl(expectExit(await user.run(['cli-blob.bin']), 0));
      const page = await browsers.newPage();
      await openAt(page, url, 'shown');
      const { download, bytes } = await downloadBy(page, '#download');
      expect(sha256(bytes)).toBe(sha256(data));
      expect(download.suggestedFilename()).toBe('cli-blob.bin');
    });

    it('fpaste upload (plain share) opens on the share page with name, size, and the same bytes', async () => {
      const data = randomBytes(150_000);
      writeFileSync(join(user.work, 'report.dat'), data);
      const url = printedUrl(expectExit(await user.run(['upload', 'report.dat']), 0));
      expect(url).toMatch(/\/download\/[a-z]+(-[a-z]+){5}$/);
      const page = await browsers.newPage();
      await openAt(page, url, ['ready', 'await-click']);
      expect(await page.locator('body').getAttribute('data-view')).toBe('share');
      expect(await textOf(page, '#name')).toBe('report.dat');
      expect(await textOf(page, '#size')).not.toBe('');
      const { download, bytes } = await downloadBy(page, '#download');
      expect(sha256(bytes)).toBe(sha256(data));
      expect(download.suggestedFilename()).toBe('report.dat');
    });

    it('fpaste upload --encrypt opens on the share page and decrypts with the #key', async () => {
      const data = randomBytes(90_000);
      writeFileSync(join(user.work, 'secret.pdf'), data);
      const url = printedUrl(expectExit(await user.run(['upload', '--encrypt', 'secret.pdf']), 0));
      expect(splitLink(url).key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const page = await browsers.newPage();
      await openAt(page, url, ['ready', 'await-click']);
      // The server never knew the name: the page cannot show it before decrypting.
      expect(await textOf(page, '#name')).not.toContain('secret.pdf');
      const { download, bytes } = await downloadBy(page, '#download');
      expect(sha256(bytes)).toBe(sha256(data));
      expect(download.suggestedFilename()).toBe('secret.pdf');
    });
  });

  describe('page → CLI', () => {
    it('a text created in the page comes back from `fpaste get URL` byte-identical', async () => {
      // No CR: a textarea's value normalises line breaks to LF before any script sees it.
      const text = 'made in the page\nwith ünïcödé, a tab\tand a trailing space \n';
      const link = await createTextInPage(await browsers.newPage(), server.url, text);
      const got = expectExit(await user.run(['get', link]), 0);
      expect(got.stdout.equals(Buffer.from(text, 'utf8'))).toBe(true);
    });

    it('a file shared from the page comes back from `fpaste download URL` byte-identical under its name', async () => {
      const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(777)]);
      const link = await createFileInPage(await browsers.newPage(), server.url, { name: 'from-page.bin', mimeType: 'application/octet-stream', buffer: data });
      expect(splitLink(link).key).not.toBeNull();
      expectExit(await user.run(['download', link]), 0);
      expect(sha256(readFileSync(join(user.work, 'from-page.bin')))).toBe(sha256(data));
      const piped = expectExit(await user.run(['download', link, '-o', '-']), 0);
      expect(sha256(piped.stdout)).toBe(sha256(data));
    });
  });
});
