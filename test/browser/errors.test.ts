// What a reader sees when the link cannot be opened: a wrong or altered key, no key, an item that is
// not (or no longer) there. A clear sentence in #error, state `error`, and nothing of the content:
// never garbage from a failed decryption, never the ciphertext.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, openAt, splitLink, textOf, useBrowser, waitForState } from '../helpers/browser.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const SECRET = 'the secret text nobody without the key may see';

/** A different, well-formed key: 43 base64url characters whose spare bits are zero. */
const otherKey = (): string => randomBytes(32).toString('base64url');

async function expectNothingShown(page: Page): Promise<void> {
  expect(await textOf(page, '#error')).toMatch(/\w+ \w+ \w+/); // a sentence, not a code
  expect(await page.locator('#error').getAttribute('role')).toBe('alert');
  expect(await textOf(page, '#content')).toBe('');
  expect(await page.locator('#image').count()).toBe(0);
  expect(await page.locator('#download').isVisible().catch(() => false)).toBe(false);
  const body = (await page.locator('body').textContent()) ?? '';
  expect(body).not.toContain(SECRET);
  expect(body).not.toContain('SBEE');
}

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: links that cannot be opened say so'), () => {
  const browsers = useBrowser();
  let server: RunningServer;
  let user: FpasteUser;
  let url: string;

  beforeAll(async () => {
    server = await startServer();
    user = new FpasteUser(server.url);
    url = printedUrl(expectExit(await user.run(['--no-save'], { input: SECRET }), 0));
  });
  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
  });

  it('the right key opens it (the control for the cases below)', async () => {
    const page = await browsers.newPage();
    await openAt(page, url, 'shown');
    expect(await textOf(page, '#content')).toBe(SECRET);
  });

  it('a wrong key: an error about the key or the link, nothing of the content', async () => {
    const { path } = splitLink(url);
    const page = await browsers.newPage();
    await openAt(page, `${server.url}${path}#${otherKey()}`, 'error');
    expect(await textOf(page, '#error')).toMatch(/key|altered|corrupt|decrypt/i);
    await expectNothingShown(page);
  });

  it('a key altered by one character: the same', async () => {
    const { path, key } = splitLink(url);
    const flipped = `${key?.[0] === 'A' ? 'B' : 'A'}${key?.slice(1) ?? ''}`;
    const page = await browsers.newPage();
    await openAt(page, `${server.url}${path}#${flipped}`, 'error');
    await expectNothingShown(page);
  });

  it('a malformed key (not 43 base64url characters): the same', async () => {
    const { path } = splitLink(url);
    const page = await browsers.newPage();
    await openAt(page, `${server.url}${path}#not-a-key`, 'error');
    await expectNothingShown(page);
  });

  it('no key at all on an encrypted paste: "the link has no key"', async () => {
    const { path } = splitLink(url);
    const page = await browsers.newPage();
    await openAt(page, `${server.url}${path}`, 'error');
    expect(await textOf(page, '#error')).toMatch(/no key/i);
    await expectNothingShown(page);
  });

  it('an encrypted file share opened without its key says so and downloads nothing', async () => {
    writeFileSync(join(user.work, 'locked.bin'), randomBytes(5000));
    const shared = printedUrl(expectExit(await user.run(['upload', '--encrypt', '--no-save', 'locked.bin']), 0));
    const page = await browsers.newPage();
    await page.goto(`${server.url}${splitLink(shared).path}`);
    const state = await waitForState(page, ['error', 'ready', 'await-click']);
    // The share page may only learn that the file is encrypted from its first bytes: then the click tells.
    if (state !== 'error') {
      const downloads: string[] = [];
      page.on('download', (download) => downloads.push(download.suggestedFilename()));
      await page.click('#download');
      await waitForState(page, 'error');
      expect(downloads).toEqual([]);
    }
    expect(await textOf(page, '#error')).toMatch(/no key|key/i);
  });

  it('an id that does not exist: not found (expired, deleted or already read)', async () => {
    const page = await browsers.newPage();
    await openAt(page, `${server.url}/${randomBytes(16).toString('hex')}#${otherKey()}`, 'error');
    expect(await textOf(page, '#error')).toMatch(/not found|expired|deleted|no longer/i);
    await expectNothingShown(page);
  });

  it('a share phrase that does not exist: not found', async () => {
    const page = await browsers.newPage();
    await openAt(page, `${server.url}/download/abacus-abdomen-abdominal-abide-abiding-ability`, 'error');
    expect(await textOf(page, '#error')).toMatch(/not found|expired|deleted|no longer/i);
    expect(await page.locator('#download').isVisible().catch(() => false)).toBe(false);
  });

  it('a paste deleted after the link was shared: not found', async () => {
    const created = expectExit(await user.run(['--json'], { input: 'soon gone' }), 0);
    const json = JSON.parse(created.out) as { url_with_key: string };
    expectExit(await user.run(['delete', json.url_with_key]), 0);
    const page = await browsers.newPage();
    await openAt(page, json.url_with_key, 'error');
    expect(await textOf(page, '#error')).toMatch(/not found|expired|deleted|no longer/i);
    await expectNothingShown(page);
  });
});
