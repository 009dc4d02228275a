// The page's Content-Security-Policy, as Chromium enforces it: normal use (create a text and a file
// with proof of work in the worker, read them, show an image) causes no violation, while what the
// policy exists to stop (markup sinks without Trusted Types, foreign scripts, images and connections,
// a second Trusted Types policy, framing) is refused, so the listener provably sees violations.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, browserUnavailable, createFileInPage, createTextInPage, downloadBy, inPage, openAt, useBrowser } from '../helpers/browser.js';
import { createPaste } from '../helpers/http.js';
import { makePng } from '../helpers/png.js';
import { solveFrom } from '../helpers/pow-token.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; require-trusted-types-for 'script'; trusted-types sealbin";

/** Runs before any page script: collects every securitypolicyviolation of the document. */
const LISTENER = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push(event.effectiveDirective + ' ' + (event.blockedURI || '') + ' ' + (event.sample || ''));
  });
`;

interface Watch {
  problems: string[];
}

function watch(context: BrowserContext): Watch {
  const problems: string[] = [];
  context.on('console', (message) => {
    if (/Content Security Policy|Trusted Type|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  context.on('weberror', (error) => problems.push(`uncaught: ${String(error.error())}`));
  return { problems };
}

const violations = (page: Page): Promise<string[]> => inPage(page, 'window.__violations');

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: the CSP is enforced and normal use stays within it'), () => {
  const browsers = useBrowser();
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000' } });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('the page is served with the exact policy and Referrer-Policy', async () => {
    const page = await browsers.newPage();
    const response = await page.goto(`${server.url}/`);
    expect(response?.headers()['content-security-policy']).toBe(PAGE_CSP);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
  });

  it('creating and reading a text, a file and an image raises no violation', async () => {
    const context = await browsers.newContext();
    await context.addInitScript(LISTENER);
    const { problems } = watch(context);
    const page = await context.newPage();

    const link = await createTextInPage(page, server.url, 'within the policy\n');
    expect(await violations(page)).toEqual([]);
    await openAt(page, link, 'shown');
    expect(await violations(page)).toEqual([]);

    const data = randomBytes(70_000);
    const fileLink = await createFileInPage(page, server.url, { name: 'f.bin', mimeType: 'application/octet-stream', buffer: data });
    expect(await violations(page)).toEqual([]);
    await openAt(page, fileLink, ['ready', 'await-click']);
    expect((await downloadBy(page, '#download')).bytes.equals(data)).toBe(true);
    expect(await violations(page)).toEqual([]);

    const challenge = (await (await fetch(`${server.url}/challenge`)).json()) as { nonce: string; difficulty: number; token: string };
    const pow = { 'x-pow-token': challenge.token, 'x-pow-solution': solveFrom(challenge.nonce, challenge.difficulty, 0n) };
    const image = await createPaste(server.url, makePng(32, 32, () => [10, 200, 30]), { 'content-type': 'image/png', ...pow });
    await openAt(page, `${server.url}/${image.id}`, 'shown');
    await page.waitForSelector('#image');
    // The image really rendered from its blob: URL (img-src 'self' blob: allows it).
    expect(await inPage<boolean>(page, 'document.querySelector("#image").complete && document.querySelector("#image").naturalWidth === 32')).toBe(true);
    expect(await page.getAttribute('#image', 'src')).toMatch(/^blob:/);
    expect(await violations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('what the policy forbids is refused in the real page, and the listener sees it', async () => {
    const context = await browsers.newContext();
    await context.addInitScript(LISTENER);
    const page = await context.newPage();
    // A create first: the proof of work runs in the worker, so the page has made its one policy by now.
    await createTextInPage(page, server.url, 'before the attempts\n');
    expect(await violations(page)).toEqual([]);

    const attempt = (code: string): Promise<string> => inPage(page, `(async () => { try { ${code}; return 'allowed'; } catch (error) { return error.name; } })()`);
    // Markup sinks need a TrustedHTML that no policy of the page can make.
    expect(await attempt(`document.body.insertAdjacentHTML('beforeend', '<img src=x>')`)).toBe('TypeError');
    // A script from anywhere but the page's own origin (and only through the one policy).
    expect(await attempt(`const s = document.createElement('script'); s.src = 'https://example.invalid/x.js'; document.head.append(s)`)).toBe('TypeError');
    // Only the policy named sealbin may exist, and the page already made it (duplicates are refused).
    expect(await attempt(`trustedTypes.createPolicy('other', { createHTML: (s) => s })`)).toBe('TypeError');
    expect(await attempt(`trustedTypes.createPolicy('sealbin', { createHTML: (s) => s })`)).toBe('TypeError');
    // Connections and images go nowhere but here (and blob:).
    expect(await attempt(`await fetch('https://example.invalid/collect')`)).toBe('TypeError');
    await inPage(page, `(() => { const img = new Image(); img.src = 'https://example.invalid/pixel.png'; document.body.append(img); })()`);
    await page.waitForFunction('window.__violations.some((v) => v.startsWith("img-src"))');
    const seen = await violations(page);
    for (const directive of ['require-trusted-types-for', 'trusted-types', 'connect-src', 'img-src']) expect(seen.some((line) => line.startsWith(directive)), `${directive} in ${JSON.stringify(seen)}`).toBe(true);
  });

  it('another site cannot frame the page (frame-ancestors none)', async () => {
    const page = await browsers.newPage();
    const blocked = page.waitForEvent('console', { predicate: (message) => /frame-ancestors|X-Frame-Options/.test(message.text()) });
    await page.setContent(`<iframe id="frame" src="${server.url}/"></iframe>`);
    await blocked;
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    // The framed document never ran the app: no data-view on its body.
    expect(frame).toBeDefined();
    expect(await frame?.evaluate('document.body?.dataset?.view ?? null').catch(() => null)).toBeNull();
  });
});
