// Browser tests: playwright-core drives the system's Chromium (Debian's `chromium` package), never a
// browser Playwright would download. One browser per test file, a fresh context (no shared cookies,
// storage or cache) per test. Without the binary the suites skip with the reason (see test/README.md).
//
// Page code is evaluated from strings: the project's tsconfig has no DOM types (server code must not
// see `document`), so `page.evaluate(() => document…)` would not type-check.
import { existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions, Download, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Debian's Chromium unless CHROMIUM_PATH names another build. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

/** Why the browser suites cannot run here, or null when they can. */
export const browserUnavailable: string | null = existsSync(CHROMIUM_PATH) ? null : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;

/** A describe title that says why it was skipped, as the other optional suites do. */
export const browserSuite = (title: string): string => (browserUnavailable === null ? title : `${title} (skipped: ${browserUnavailable})`);

/** The values of body[data-state] (web-spec's DOM contract). */
export type PageState = 'loading' | 'ready' | 'await-click' | 'shown' | 'error' | 'creating' | 'created';

/** Waits for a condition in the page: generous for a loaded 2-core machine, still a deadline. */
export const PAGE_TIMEOUT_MS = 30_000;

export function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'], timeout: 60_000 });
}

export interface BrowserHandle {
  /** The file's browser (launched in beforeAll). */
  browser(): Promise<Browser>;
  /** A fresh context, closed after the test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page in a fresh context of its own. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

/** Call inside a describe: launches one browser for the file and closes every context after each test. */
export function useBrowser(): BrowserHandle {
  let launching: Promise<Browser> | undefined;
  const open: BrowserContext[] = [];
  beforeAll(() => {
    // Not awaited here: the browser starts while the file's other beforeAll starts its server.
    launching = launchBrowser();
    launching.catch(() => undefined); // reported by the first test that uses it
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    const browser = await launching?.catch(() => undefined);
    await browser?.close();
  });
  const handle: BrowserHandle = {
    browser() {
      if (!launching) throw new Error('the browser is not launched yet (use it inside a test)');
      return launching;
    },
    async newContext(options = {}) {
      const context = await (await handle.browser()).newContext({ acceptDownloads: true, ...options });
      context.setDefaultTimeout(PAGE_TIMEOUT_MS);
      open.push(context);
      return context;
    },
    async newPage(options = {}) {
      return (await handle.newContext(options)).newPage();
    },
  };
  return handle;
}

/** Evaluates an expression in the page; its text is page code (see the note at the top). */
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

export const bodyState = (page: Page): Promise<string | null> => page.locator('body').getAttribute('data-state');
export const bodyView = (page: Page): Promise<string | null> => page.locator('body').getAttribute('data-view');

/** Visible text of an element, or '' when there is none. */
export async function textOf(page: Page, selector: string): Promise<string> {
  const element = page.locator(selector);
  return (await element.count()) === 0 ? '' : ((await element.first().textContent()) ?? '');
}

/**
 * Waits until body[data-state] is one of `wanted`. Reaching `error` when it was not wanted fails at once
 * with the page's #error text, so a broken page says what broke instead of timing out.
 */
export async function waitForState(page: Page, wanted: PageState | readonly PageState[], timeoutMs = PAGE_TIMEOUT_MS): Promise<PageState> {
  const states = typeof wanted === 'string' ? [wanted] : [...wanted];
  const watched = states.includes('error') ? states : [...states, 'error'];
  try {
    await page.waitForSelector(watched.map((state) => `body[data-state="${state}"]`).join(', '), { state: 'attached', timeout: timeoutMs });
  } catch (error) {
    throw new Error(`page ${page.url()} did not reach state ${states.join('|')} (now ${await bodyState(page).catch(() => '?')}, #status "${await textOf(page, '#status').catch(() => '?')}"): ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const state = (await bodyState(page)) as PageState;
  if (!states.includes(state)) throw new Error(`page ${page.url()} reached state ${state} instead of ${states.join('|')}: #error "${await textOf(page, '#error')}"`);
  return state;
}

/** Opens a URL and waits for one of the states. */
export async function openAt(page: Page, url: string, wanted: PageState | readonly PageState[]): Promise<PageState> {
  await page.goto(url);
  return waitForState(page, wanted);
}

export interface SeenRequest {
  url: string;
  method: string;
  /** 'document' for navigations, 'fetch', 'script', 'stylesheet', … */
  resourceType: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/**
 * Records every request of a context (pages and their workers). Headers are the ones Chromium really
 * sent (allHeaders) once known; until then, and for requests whose raw headers never arrive (a second
 * worker loading the same script does that in Chromium 156), the headers the request was created with,
 * which also carry Referer and anything the page set itself (only cookies are missing; tests check
 * that there are none).
 */
export function recordRequests(context: BrowserContext): { settle(): Promise<SeenRequest[]>; urls(): string[] } {
  const seen: { request: Request; raw: Record<string, string> | null }[] = [];
  context.on('request', (request) => {
    const entry = { request, raw: null as Record<string, string> | null };
    seen.push(entry);
    request.allHeaders().then(
      (headers) => (entry.raw = headers),
      () => undefined,
    );
  });
  const snapshot = (): SeenRequest[] =>
    seen.map(({ request, raw }) => ({ url: request.url(), method: request.method(), resourceType: request.resourceType(), headers: { ...request.headers(), ...raw }, body: request.postDataBuffer() }));
  // Let header lookups that are under way land before the snapshot (one turn of the event loop each).
  return { settle: async () => (await new Promise((resolve) => setImmediate(resolve)), snapshot()), urls: () => seen.map(({ request }) => request.url()) };
}

/** Clicks `selector` and returns the download it starts, with its bytes. */
export async function downloadBy(page: Page, selector: string): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: PAGE_TIMEOUT_MS }), page.click(selector)]);
  const failure = await download.failure();
  if (failure) throw new Error(`download failed: ${failure}`);
  const path = await download.path();
  return { download, bytes: readFileSync(path) };
}

/**
 * Drops a file on `selector` as a user dragging it from the desktop would: a DataTransfer holding the
 * File, then dragenter, dragover and drop on the zone.
 */
export async function dropFile(page: Page, selector: string, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const transfer = await page.evaluateHandle(
    `(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(file.buffer.toString('base64'))}), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], ${JSON.stringify(file.name)}, { type: ${JSON.stringify(file.mimeType)} }));
      return transfer;
    })()`,
  );
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(selector, type, { dataTransfer: transfer });
  await transfer.dispose();
}

/** Tags and counts of every element in the document: what a test compares to see nothing was injected. */
export function elementCensus(page: Page): Promise<Record<string, number>> {
  return inPage(page, `(() => {
    const counts = {};
    for (const element of document.querySelectorAll('*')) counts[element.localName] = (counts[element.localName] ?? 0) + 1;
    return counts;
  })()`);
}

/** Elements carrying an on* event-handler attribute (none should ever exist on this page). */
export function inlineHandlers(page: Page): Promise<string[]> {
  return inPage(page, `[...document.querySelectorAll('*')].flatMap((element) => [...element.attributes].filter((a) => a.name.startsWith('on')).map((a) => element.localName + '[' + a.name + ']'))`);
}

/** Fills the create form's text (and the chosen options) and submits; returns the link (with #key) once the page shows it. */
export async function createTextInPage(page: Page, baseUrl: string, text: string, options: { burn?: boolean; encrypt?: boolean; expiry?: string } = {}): Promise<string> {
  await openAt(page, `${baseUrl}/`, 'ready');
  await page.fill('#text', text);
  // #expiry's option values are seconds; selectOption fails when the server offers no such choice.
  if (options.expiry !== undefined) await page.selectOption('#expiry', options.expiry);
  if (options.burn) await page.check('#burn');
  if (options.encrypt === false) await page.uncheck('#encrypt');
  await page.click('#create');
  await waitForState(page, 'created');
  return page.inputValue('#link');
}

/** Picks a file with the file input and submits; returns the share link (download_url, plus #key when encrypted). */
export async function createFileInPage(page: Page, baseUrl: string, file: { name: string; mimeType: string; buffer: Buffer }, options: { encrypt?: boolean } = {}): Promise<string> {
  await openAt(page, `${baseUrl}/`, 'ready');
  await page.setInputFiles('#file', file);
  if (options.encrypt === false) await page.uncheck('#encrypt');
  await page.click('#create');
  await waitForState(page, 'created', 90_000);
  return page.inputValue('#link');
}

/** A paste link split into its parts (…/ID#KEY or …/download/words#KEY; the key may be absent). */
export function splitLink(link: string): { path: string; key: string | null } {
  const url = new URL(link);
  return { path: url.pathname, key: url.hash ? url.hash.slice(1) : null };
}
