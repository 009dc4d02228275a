// Issue 14, the server side of the browser page: which requests get the page shell, what headers it
// carries, that it reflects nothing and burns nothing, and that only the built files are served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaste, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { expectErrorParts, SECURITY_HEADERS } from '../helpers/contract.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { CHROMIUM_ACCEPT, EXPECTED_PAGE_CSP, FIREFOX_ACCEPT, shellParts, sri, webRequest } from '../helpers/web.js';
import type { WebResponse } from '../helpers/web.js';

const BROWSERS: ReadonlyArray<[string, string]> = [
  ['Chromium', CHROMIUM_ACCEPT],
  ['Firefox', FIREFOX_ACCEPT],
  ['an explicit text/html', 'text/html'],
];
/** [label, Accept or undefined for none]: clients that must keep today's answers. */
const NON_BROWSERS: ReadonlyArray<[string, string | undefined]> = [
  ["curl's */*", '*/*'],
  ['no Accept', undefined],
  ['application/json', 'application/json'],
  ['text/html at q=0.5 behind application/json', 'text/html;q=0.5, application/json'],
  ['text/* only (not text/html by name)', 'text/*'],
  ['text/html refused (q=0)', 'text/html;q=0, */*'],
];

function header(response: WebResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function expectShell(response: WebResponse, shell: string): void {
  expect(response.status, response.text.slice(0, 200)).toBe(200);
  expect(header(response, 'content-type')).toBe('text/html; charset=utf-8');
  expect(response.text).toBe(shell);
}

function expectPageHeaders(response: WebResponse): void {
  expect(header(response, 'content-security-policy')).toBe(EXPECTED_PAGE_CSP);
  expect(header(response, 'content-security-policy')).not.toMatch(/unsafe-/);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (name !== 'content-security-policy') expect(header(response, name), name).toBe(value);
  }
  expect(header(response, 'referrer-policy')).toBe('no-referrer');
  expect(header(response, 'x-frame-options')).toBe('DENY');
  expect(header(response, 'x-content-type-options')).toBe('nosniff');
  expect(header(response, 'cache-control')).toBe('no-store, no-cache, must-revalidate, max-age=0');
  expect(header(response, 'content-type')).toBe('text/html; charset=utf-8');
  expect(header(response, 'vary')).toMatch(/(^|,\s*)Accept(\s*,|$)/);
}

describe('the browser page (SEALBIN_WEB on, the default)', () => {
  let server: RunningServer;
  let base: string;
  let shell: string;
  let paste: Created;
  let share: Created;
  const content = 'web page negotiation test content\n';

  beforeAll(async () => {
    server = await startServer();
    base = server.url;
    paste = await createPaste(base, content);
    share = await uploadFile(base, content, 'notes.txt');
    const first = await webRequest(base, '/', CHROMIUM_ACCEPT);
    shell = first.text;
    expect(first.status).toBe(200);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('the shell is the agreed document and nothing else', () => {
    expect(shell.startsWith('<!doctype html>')).toBe(true);
    expect(shell).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(shell).toContain('<meta name="color-scheme" content="light dark">');
    expect(shell).toContain('<meta name="sealbin-base" content="">');
    expect(shell).toContain('<body><main id="app"></main><noscript>');
    const parts = shellParts(shell);
    expect(parts.worker).toMatch(/^\/web\/pow-worker-[A-Za-z0-9]+\.js$/);
    expect(parts.script).toMatch(/^\/web\/app-[A-Za-z0-9]+\.js$/);
    expect(parts.style).toMatch(/^\/web\/app-[A-Za-z0-9]+\.css$/);
    // Exactly one script and one stylesheet, no inline code or style (the CSP would block it anyway).
    expect(shell.match(/<script/g)).toHaveLength(1);
    expect(shell.match(/<link/g)).toHaveLength(1);
    expect(shell).not.toMatch(/<style|\son[a-z]+=|="javascript:/i);
  });

  for (const [browser, accept] of BROWSERS) {
    it(`${browser} gets the page at /, /{id} and /download/{phrase}`, async () => {
      for (const path of ['/', `/${paste.id}`, `/download/${share.key!}`]) {
        const response = await webRequest(base, path, accept);
        expectShell(response, shell);
        expectPageHeaders(response);
      }
    });
  }

  for (const [label, accept] of NON_BROWSERS) {
    it(`${label} keeps today's answers byte for byte`, async () => {
      const info = await webRequest(base, '/', accept);
      const infoToday = await webRequest(base, '/');
      expect(info.status).toBe(200);
      expect(header(info, 'content-type')).toBe('application/json; charset=utf-8');
      expect(info.text).toBe(infoToday.text);
      expect((JSON.parse(info.text) as { name: string }).name).toBe('sealbin');

      const meta = await webRequest(base, `/${paste.id}`, accept);
      expect(meta.status).toBe(200);
      expect(header(meta, 'content-type')).toBe('application/json; charset=utf-8');
      const parsed = JSON.parse(meta.text) as Created;
      expect(parsed.id).toBe(paste.id);
      expect(parsed.sha256).toBe(paste.sha256);
      expect(meta.text).toBe((await webRequest(base, `/${paste.id}`)).text);
      // The API's CSP, not the page's.
      expect(header(meta, 'content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");

      const download = await webRequest(base, `/download/${share.key!}`, accept);
      expect(download.status).toBe(200);
      expect(download.body.equals(Buffer.from(content))).toBe(true);
      expect(header(download, 'content-disposition')).toMatch(/^attachment/);
    });
  }

  it('answers of the three routes vary by Accept, JSON ones included', async () => {
    for (const path of ['/', `/${paste.id}`, `/download/${share.key!}`]) {
      for (const accept of [CHROMIUM_ACCEPT, '*/*']) {
        const response = await webRequest(base, path, accept);
        expect(header(response, 'vary'), `${path} ${accept}`).toMatch(/(^|,\s*)Accept(\s*,|$)/);
      }
    }
  });

  it('HEAD of the page routes answers the page headers without a body', async () => {
    for (const path of ['/', `/${paste.id}`, `/download/${share.key!}`]) {
      const response = await webRequest(base, path, CHROMIUM_ACCEPT, 'HEAD');
      expect(response.status, path).toBe(200);
      expectPageHeaders(response);
      expect(header(response, 'content-length')).toBe(String(Buffer.byteLength(shell)));
      expect(response.body.length).toBe(0);
    }
    // Without a browser Accept, HEAD / stays what it was: no such route.
    const plain = await webRequest(base, '/', '*/*', 'HEAD');
    expect(plain.status).toBe(404);
  });

  it('malformed ids keep the JSON 404, browsers or not', async () => {
    for (const path of ['/nothex', `/${paste.id.toUpperCase()}`, `/${paste.id}0`, '/download/not-a-phrase', '/download/one-two-three-four-five-six']) {
      const response = await webRequest(base, path, CHROMIUM_ACCEPT);
      expectErrorParts(response.status, response.headers, response.text, 404, 'NOT_FOUND');
    }
  });

  it('reflects nothing: queries, ids and odd paths never reach the shell', async () => {
    const probes = [`/${paste.id}?q=<script>alert(1)</script>`, '/?q="><img%20src=x%20onerror=alert(1)>', `/download/${share.key!}?x=</title><script>`, `/${paste.id}?%3Cscript%3E=1`];
    for (const path of probes) {
      const response = await webRequest(base, path, CHROMIUM_ACCEPT);
      // The very same bytes as the shell of /: nothing of the request went in.
      expectShell(response, shell);
      expect(response.text).not.toContain(paste.id);
      expect(response.text).not.toContain(share.key!);
      expect(response.text).not.toMatch(/alert|onerror|<img/);
    }
    // Sent raw (node:http refuses only spaces and control characters): quotes and brackets included.
    for (const path of ['/<script>alert(1)</script>', '/%3Cscript%3Ealert(1)%3C%2Fscript%3E', '/download/"><svg%20onload=alert(1)>', "/a'b\"c<d>"]) {
      const response = await webRequest(base, path, CHROMIUM_ACCEPT);
      expectErrorParts(response.status, response.headers, response.text, 404, 'NOT_FOUND');
      expect(response.text).not.toMatch(/alert|svg|<d>/);
    }
  });

  it('opening a burn-after-read paste or share with a browser Accept burns nothing', async () => {
    const burnPaste = await createPaste(base, 'burn me once', { 'x-burn-after-read': '1' });
    const burnShare = await uploadFile(base, 'burn share once', 'once.txt', { 'x-burn-after-read': '1' });
    for (const accept of [CHROMIUM_ACCEPT, FIREFOX_ACCEPT]) {
      for (const method of ['GET', 'HEAD']) {
        expect((await webRequest(base, `/${burnPaste.id}`, accept, method)).status).toBe(200);
        expect((await webRequest(base, `/download/${burnShare.key!}`, accept, method)).status).toBe(200);
      }
    }
    const raw = await webRequest(base, `/${burnPaste.id}/raw`, '*/*');
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('burn me once');
    expect((await webRequest(base, `/${burnPaste.id}/raw`, '*/*')).status).toBe(404);
    const download = await webRequest(base, `/download/${burnShare.key!}`, '*/*');
    expect(download.status).toBe(200);
    expect(download.text).toBe('burn share once');
    expect((await webRequest(base, `/download/${burnShare.key!}`, '*/*')).status).toBe(404);
  });

  it('serves the three built files with the integrity the shell names', async () => {
    const parts = shellParts(shell);
    for (const [path, integrity, type] of [
      [parts.script, parts.scriptIntegrity, 'text/javascript; charset=utf-8'],
      [parts.style, parts.styleIntegrity, 'text/css; charset=utf-8'],
      [parts.worker, null, 'text/javascript; charset=utf-8'],
    ] as const) {
      const response = await webRequest(base, path, '*/*');
      expect(response.status, path).toBe(200);
      expect(header(response, 'content-type')).toBe(type);
      expect(header(response, 'content-length')).toBe(String(response.body.length));
      expect(header(response, 'x-content-type-options')).toBe('nosniff');
      expect(header(response, 'cache-control')).toBe('no-store, no-cache, must-revalidate, max-age=0');
      expect(header(response, 'cross-origin-resource-policy')).toBe('same-origin');
      // A worker's CSP comes from its own response: the API's, which forbids it any fetch.
      expect(header(response, 'content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
      expect(response.body.length).toBeGreaterThan(0);
      if (integrity !== null) expect(sri(response.body)).toBe(integrity);
      const head = await webRequest(base, path, '*/*', 'HEAD');
      expect(head.status).toBe(200);
      expect(header(head, 'content-length')).toBe(String(response.body.length));
      expect(head.body.length).toBe(0);
    }
  });

  it('serves nothing else under /web: unknown names and traversal get the JSON 404', async () => {
    const parts = shellParts(shell);
    const script = parts.script.slice('/web/'.length);
    const probes = ['/web/..%2fmain.js', '/web/manifest.json', '/web/%2e%2e/package.json', '/web/../package.json', '/web/..%2f..%2fpackage.json', `/web/${script}.map`, `/web/%2e%2e%2f${script}`, '/web/', '/web/main.js', `/web/./${script}`, '/web/%00'];
    for (const path of probes) {
      for (const method of ['GET', 'HEAD']) {
        const response = await webRequest(base, path, CHROMIUM_ACCEPT, method);
        if (method === 'HEAD') {
          expect(response.status, `HEAD ${path}`).toBe(404);
          continue;
        }
        expectErrorParts(response.status, response.headers, response.text, 404, 'NOT_FOUND');
        expect(response.text, path).not.toContain('"version"');
      }
    }
  });
});
