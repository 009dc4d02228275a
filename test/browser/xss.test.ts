// User content never becomes markup: pastes made of script tags, event-handler attributes and an SVG
// carrying script, plain and end-to-end encrypted, and files named with markup, are shown as text.
// Each payload would change the title and raise a dialog if it ran; the test watches for both and for
// any element the page did not have with harmless content.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, downloadBy, elementCensus, inlineHandlers, inPage, openAt, textOf, useBrowser, waitForState } from '../helpers/browser.js';
import type { BrowserHandle } from '../helpers/browser.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const PWNED = 'pwned-by-user-content';

const PAYLOADS: Record<string, string> = {
  script: `<script>document.title='${PWNED}';alert(1)</script>\n`,
  'img onerror': `<img src=x onerror="document.title='${PWNED}';alert(1)">\n`,
  'svg with script': `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>document.title='${PWNED}';alert(1)</script><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>\n`,
};

/**
 * Elements user content could smuggle in. Compared with the same view showing harmless content, so
 * the page's own elements (its one module script, any icons) are allowed and nothing else is.
 */
const ACTIVE = ['script', 'img', 'svg', 'iframe', 'object', 'embed', 'frame', 'math', 'base', 'meta', 'link', 'style', 'template', 'audio', 'video'];

interface Watched {
  page: Page;
  dialogs: string[];
}

async function watchedPage(browsers: BrowserHandle): Promise<Watched> {
  const page = await browsers.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, dialogs };
}

/** Counts of the active elements only. */
async function activeCounts(page: Page): Promise<Record<string, number>> {
  const census = await elementCensus(page);
  return Object.fromEntries(ACTIVE.map((tag) => [tag, census[tag] ?? 0]));
}

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: user content never becomes markup'), () => {
  const browsers = useBrowser();
  let server: RunningServer;
  let user: FpasteUser;
  /** Title and active elements of each view showing harmless content: what every payload view must equal. */
  const baselines = new Map<string, { title: string; counts: Record<string, number> }>();

  /** The encrypted payload pastes, made by fpaste side by side up front (one CLI start each is slow on a busy machine). */
  const encrypted = new Map<string, string>();

  beforeAll(async () => {
    server = await startServer();
    user = new FpasteUser(server.url);
    await Promise.all(Object.entries(PAYLOADS).map(async ([name, payload]) => encrypted.set(name, printedUrl(expectExit(await user.run([], { input: payload }), 0)))));
  });
  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
  });

  async function harmlessBaseline(view: 'paste' | 'share'): Promise<{ title: string; counts: Record<string, number> }> {
    const known = baselines.get(view);
    if (known) return known;
    const { page } = await watchedPage(browsers);
    if (view === 'paste') {
      const created = await createPaste(server.url, 'harmless words\n', { 'content-type': 'text/plain' });
      await openAt(page, `${server.url}/${created.id}`, 'shown');
    } else {
      const created = await uploadFile(server.url, 'harmless words\n', 'harmless.txt');
      await openAt(page, created.download_url as string, ['ready', 'await-click']);
      await downloadBy(page, '#download');
    }
    const baseline = { title: await page.title(), counts: await activeCounts(page) };
    baselines.set(view, baseline);
    return baseline;
  }

  /** Nothing ran, nothing was added; `expectedText`: the payload must be in #content as characters. */
  async function expectInert(watched: Watched, view: 'paste' | 'share', expectedText: string | null): Promise<void> {
    const { page, dialogs } = watched;
    const reference = await harmlessBaseline(view);
    // An onerror/onload fires when the element is parsed or loaded: by now it would have.
    await page.waitForLoadState('networkidle');
    expect(dialogs).toEqual([]);
    expect(await page.title()).toBe(reference.title);
    expect(await page.title()).not.toContain(PWNED);
    expect(await activeCounts(page)).toEqual(reference.counts);
    expect(await inlineHandlers(page)).toEqual([]);
    if (expectedText !== null) expect(await textOf(page, '#content')).toBe(expectedText);
  }

  it('the watch itself catches an injected element (control)', async () => {
    const reference = await harmlessBaseline('paste');
    const created = await createPaste(server.url, 'harmless words\n', { 'content-type': 'text/plain' });
    const { page } = await watchedPage(browsers);
    await openAt(page, `${server.url}/${created.id}`, 'shown');
    expect(await activeCounts(page)).toEqual(reference.counts);
    // (An on* attribute cannot even be set here: Trusted Types refuse it without a TrustedScript.)
    await inPage(page, `document.getElementById('content').append(document.createElement('img'))`);
    expect(await activeCounts(page)).toEqual({ ...reference.counts, img: (reference.counts['img'] ?? 0) + 1 });
  });

  for (const [name, payload] of Object.entries(PAYLOADS)) {
    it(`plain paste: ${name} shows as text and runs nothing`, async () => {
      const created = await createPaste(server.url, payload, { 'content-type': name === 'svg with script' ? 'image/svg+xml' : 'text/html' });
      const watched = await watchedPage(browsers);
      await openAt(watched.page, `${server.url}/${created.id}`, 'shown');
      await expectInert(watched, 'paste', payload);
    });

    it(`encrypted paste (fpaste): ${name} shows as text and runs nothing`, async () => {
      const watched = await watchedPage(browsers);
      await openAt(watched.page, encrypted.get(name) as string, 'shown');
      await expectInert(watched, 'paste', payload);
    });
  }

  it('an SVG file named .svg is never rendered as an image (not an allowed raster type)', async () => {
    writeFileSync(join(user.work, 'drawing.svg'), PAYLOADS['svg with script'] as string);
    const url = printedUrl(expectExit(await user.run(['drawing.svg']), 0));
    const watched = await watchedPage(browsers);
    await openAt(watched.page, url, 'shown');
    expect(await watched.page.locator('#image').count()).toBe(0);
    // Shown as its text, or offered as a download: either way never parsed as markup.
    if ((await watched.page.locator('#content').count()) > 0) await expectInert(watched, 'paste', PAYLOADS['svg with script'] as string);
    else {
      expect(await watched.page.locator('#download').isVisible()).toBe(true);
      await expectInert(watched, 'paste', null);
    }
  });

  it('a plain file share named with markup shows the name as text', async () => {
    const name = `<img src=x onerror="document.title='${PWNED}';alert(1)">.txt`;
    const created = await uploadFile(server.url, 'inside\n', name);
    const watched = await watchedPage(browsers);
    await openAt(watched.page, created.download_url as string, ['ready', 'await-click']);
    const shown = await textOf(watched.page, '#name');
    // The server's sanitiser may rewrite it; what arrives is shown as characters, never parsed.
    expect(shown).not.toBe('');
    expect(shown).toContain('onerror');
    await downloadBy(watched.page, '#download');
    await expectInert(watched, 'share', null);
  });

  it('an encrypted file named with markup (the name comes from inside the ciphertext) shows it as text', async () => {
    const name = `<svg onload="alert(1)">.bin`;
    writeFileSync(join(user.work, 'payload.bin'), Buffer.from([0, 1, 2, 3, 0xff]));
    const url = printedUrl(expectExit(await user.run(['upload', '--encrypt', '--name', name, 'payload.bin']), 0));
    const watched = await watchedPage(browsers);
    await openAt(watched.page, url, ['ready', 'await-click']);
    const { download } = await downloadBy(watched.page, '#download');
    await waitForState(watched.page, ['ready', 'shown']);
    expect(await textOf(watched.page, '#name')).toContain('onload');
    expect(download.suggestedFilename()).toContain('onload');
    await expectInert(watched, 'share', null);
    expect(await inPage<number>(watched.page, 'document.querySelectorAll("svg[onload]").length')).toBe(0);
  });
});
