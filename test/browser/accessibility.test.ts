// axe-core over every view of the page, in light and dark colour schemes: no serious or critical
// finding (labels, roles, names, contrast). axe is injected as a script, which the page's real CSP
// forbids, so these contexts bypass CSP (csp.test.ts checks the policy itself).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, createTextInPage, inPage, openAt, useBrowser } from '../helpers/browser.js';
import type { PageState } from '../helpers/browser.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import { makePng } from '../helpers/png.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

// The minified build (axe.source is the 1.4 MB readable one): half the bytes to send into every page.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Finding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe's serious and critical violations in the page as it is now, in one colour scheme. */
async function axeFindings(page: Page): Promise<Finding[]> {
  if (!(await inPage<boolean>(page, 'typeof window.axe === "object"'))) await page.addScriptTag({ content: axeSource });
  const findings = await inPage<Finding[]>(
    page,
    `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`,
  );
  return findings.filter((finding) => finding.impact === 'serious' || finding.impact === 'critical');
}

/** WCAG relative luminance (0 black … 1 white) of a computed `rgb(r, g, b)` / `rgba(…)` colour. */
function luminance(color: string): number {
  const channels = /^rgba?\((\d+), (\d+), (\d+)/.exec(color);
  if (!channels) throw new Error(`not an rgb() colour: ${color}`);
  const [r, g, b] = channels.slice(1, 4).map((value) => {
    const c = Number(value) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: accessibility (axe-core), light and dark'), () => {
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

  /** Opens a view (set up by `open`) and runs axe on it in both schemes. */
  async function check(open: (page: Page) => Promise<unknown>): Promise<void> {
    const page = await browsers.newPage({ bypassCSP: true });
    await open(page);
    const report: Record<string, Finding[]> = {};
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      report[colorScheme] = await axeFindings(page);
    }
    expect(report).toEqual({ light: [], dark: [] });
  }

  const at = (path: string, state: PageState | PageState[]) => (page: Page) => openAt(page, `${server.url}${path}`, state);

  it('create view', async () => {
    await check(at('/', 'ready'));
  });

  it('prefers-color-scheme: dark gives a dark background with light text, light the opposite', async () => {
    // axe only checks contrast, which a light page passes in both schemes: this checks the scheme is followed.
    const colours: Record<string, { background: string; text: string }> = {};
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browsers.newPage({ colorScheme });
      await openAt(page, `${server.url}/`, 'ready');
      colours[colorScheme] = await inPage(page, `(() => { const style = getComputedStyle(document.body); return { background: style.backgroundColor, text: style.color }; })()`);
    }
    const { light, dark } = colours as { light: { background: string; text: string }; dark: { background: string; text: string } };
    expect(dark.background).not.toBe(light.background);
    expect(luminance(dark.background)).toBeLessThan(0.05);
    expect(luminance(dark.text)).toBeGreaterThan(0.6);
    expect(luminance(light.background)).toBeGreaterThan(0.9);
    expect(luminance(light.text)).toBeLessThan(0.05);
  });

  it('the check itself finds what it should (control: the text area stripped of its label)', async () => {
    const page = await browsers.newPage({ bypassCSP: true });
    await openAt(page, `${server.url}/`, 'ready');
    await inPage(page, `(() => { const text = document.getElementById('text'); for (const label of text.labels) label.remove(); text.removeAttribute('aria-label'); text.removeAttribute('aria-labelledby'); text.removeAttribute('title'); text.removeAttribute('placeholder'); })()`);
    expect((await axeFindings(page)).map((finding) => finding.id)).toContain('label');
  });

  it('created view (the link and its copy button)', async () => {
    await check((page) => createTextInPage(page, server.url, 'for the created view\n'));
  });

  it('paste view showing text (end to end encrypted)', async () => {
    const url = printedUrl(expectExit(await user.run([], { input: 'line one\nline two\n' }), 0));
    await check((page) => openAt(page, url, 'shown'));
  });

  it('paste view waiting for the Show click (burn after read)', async () => {
    const created = await createPaste(server.url, 'burning\n', { 'x-burn-after-read': '1' });
    await check(at(`/${created.id}`, 'await-click'));
  });

  it('paste view showing an image', async () => {
    const png = makePng(64, 48, (x, y) => [x * 4, y * 5, 128]);
    const created = await createPaste(server.url, png, { 'content-type': 'image/png', 'x-filename': 'picture.png' });
    await check(async (page) => {
      await openAt(page, `${server.url}/${created.id}`, 'shown');
      await page.waitForSelector('#image');
    });
  });

  it('share view', async () => {
    const created = await uploadFile(server.url, 'shared file\n', 'notes.txt');
    await check((page) => openAt(page, created.download_url as string, ['ready', 'await-click']));
  });

  it('error view (not found)', async () => {
    await check(at('/0123456789abcdef0123456789abcdef', 'error'));
  });
});
