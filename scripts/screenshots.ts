// `npm run screenshots`: starts the real built server on a temporary data dir, opens the web page in
// the system's Chromium (as the browser tests do) and saves the main views under docs/screenshots/.
// Run it after changing the page and look at every image before committing them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { browserUnavailable, createTextInPage, launchBrowser, openAt } from '../test/helpers/browser.js';
import { uploadFile } from '../test/helpers/http.js';
import { startServer } from '../test/helpers/server.js';

const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;

const DESKTOP: BrowserContextOptions = { viewport: { width: 960, height: 640 }, deviceScaleFactor: 1 };
const PHONE: BrowserContextOptions = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const SAMPLE = `# deploy notes (shared with the on-call team)

1. drain node-3:   kubectl drain node-3 --ignore-daemonsets
2. rotate the key: sealbin rotate-master-key --data-dir /var/lib/sealbin
3. watch:          curl -s https://paste.example.org/health | jq .status

Ask before step 2. The link expires in a week.
`;

async function shoot(browser: Browser, name: string, options: BrowserContextOptions, colorScheme: 'light' | 'dark', open: (page: Page) => Promise<unknown>): Promise<void> {
  const context = await browser.newContext({ ...options, colorScheme });
  try {
    const page = await context.newPage();
    await open(page);
    // No blinking caret or half-finished transition in the picture.
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
    console.log(`saved docs/screenshots/${name}.png`);
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  if (browserUnavailable !== null) throw new Error(`cannot take screenshots: ${browserUnavailable}`);
  mkdirSync(OUT, { recursive: true });
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    // One paste and one file share to show, made the way users make them.
    const pasteContext = await browser.newContext();
    const pasteLink = await createTextInPage(await pasteContext.newPage(), server.url, SAMPLE);
    await pasteContext.close();
    // Starts like a PDF, so the server detects (and the page shows) application/pdf.
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), Buffer.alloc(2_345_678, 0x20), Buffer.from('\n%%EOF\n')]);
    const share = await uploadFile(server.url, pdf, 'quarterly-report-2026.pdf');
    const shareUrl = share.download_url as string;

    const create = (page: Page) => openAt(page, `${server.url}/`, 'ready');
    const created = (page: Page) => createTextInPage(page, server.url, SAMPLE);
    const paste = (page: Page) => openAt(page, pasteLink, 'shown');
    const shareView = (page: Page) => openAt(page, shareUrl, ['ready', 'await-click']);

    await shoot(browser, 'create-light', DESKTOP, 'light', create);
    await shoot(browser, 'create-dark', DESKTOP, 'dark', create);
    await shoot(browser, 'created-light', DESKTOP, 'light', created);
    await shoot(browser, 'paste-light', DESKTOP, 'light', paste);
    await shoot(browser, 'paste-dark', DESKTOP, 'dark', paste);
    await shoot(browser, 'share-light', DESKTOP, 'light', shareView);
    await shoot(browser, 'mobile-360', PHONE, 'light', create);
  } finally {
    await browser.close();
    await server.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
