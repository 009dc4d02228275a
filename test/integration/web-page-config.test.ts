// Issue 14: the page's configuration: SEALBIN_WEB=0, SEALBIN_URL_PREFIX, and a server whose built
// page is missing or damaged (it starts, warns once and answers JSON as before).
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorParts } from '../helpers/contract.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { MAIN, startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { CHROMIUM_ACCEPT, EXPECTED_PAGE_CSP, FIREFOX_ACCEPT, shellParts, sri, webRequest } from '../helpers/web.js';

const root = new URL('../../', import.meta.url).pathname;
const dist = join(root, 'dist');

function expectJson(status: number, type: string | string[] | undefined): void {
  expect(status).toBe(200);
  expect(type).toBe('application/json; charset=utf-8');
}

describe('SEALBIN_WEB=0', () => {
  let server: RunningServer;
  let paste: Created;
  let share: Created;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_WEB: '0' } });
    paste = await createPaste(server.url, 'web off');
    share = await uploadFile(server.url, 'web off share', 'off.txt');
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('browsers get the JSON and the bytes, and /web serves nothing', async () => {
    for (const accept of [CHROMIUM_ACCEPT, FIREFOX_ACCEPT]) {
      const info = await webRequest(server.url, '/', accept);
      expectJson(info.status, info.headers['content-type']);
      const meta = await webRequest(server.url, `/${paste.id}`, accept);
      expectJson(meta.status, meta.headers['content-type']);
      expect((JSON.parse(meta.text) as Created).id).toBe(paste.id);
      const download = await webRequest(server.url, `/download/${share.key!}`, accept);
      expect(download.status).toBe(200);
      expect(download.text).toBe('web off share');
      expect((await webRequest(server.url, '/', accept, 'HEAD')).status).toBe(404);
    }
    const manifest = JSON.parse(await readFile(join(dist, 'web/manifest.json'), 'utf8')) as { script: { file: string } };
    const asset = await webRequest(server.url, `/web/${manifest.script.file}`, '*/*');
    expectErrorParts(asset.status, asset.headers, asset.text, 404, 'NOT_FOUND');
  });
});

describe('SEALBIN_URL_PREFIX=/paste', () => {
  let server: RunningServer;
  let origin: string;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_URL_PREFIX: '/paste' } });
    origin = new URL(server.url).origin;
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('serves the page and its files under the prefix, and names the prefix in the shell', async () => {
    const paste = await createPaste(`${origin}/paste`, 'prefixed page');
    const share = await uploadFile(`${origin}/paste`, 'prefixed share', 'p.txt');
    const page = await webRequest(origin, '/paste/', CHROMIUM_ACCEPT);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(EXPECTED_PAGE_CSP);
    for (const path of ['/paste', `/paste/${paste.id}`, `/paste/download/${share.key!}`]) {
      const again = await webRequest(origin, path, CHROMIUM_ACCEPT);
      expect(again.status, path).toBe(200);
      expect(again.text, path).toBe(page.text);
    }
    const parts = shellParts(page.text);
    expect(parts.base).toBe('/paste');
    for (const url of [parts.script, parts.style, parts.worker]) expect(url).toMatch(/^\/paste\/web\/[A-Za-z0-9-]+\.(js|css)$/);
    const script = await webRequest(origin, parts.script, '*/*');
    expect(script.status).toBe(200);
    expect(sri(script.body)).toBe(parts.scriptIntegrity);
    const style = await webRequest(origin, parts.style, '*/*');
    expect(sri(style.body)).toBe(parts.styleIntegrity);
    expect((await webRequest(origin, parts.worker, '*/*')).status).toBe(200);
    // Outside the prefix there is nothing.
    const outside = await webRequest(origin, parts.script.slice('/paste'.length), '*/*');
    expectErrorParts(outside.status, outside.headers, outside.text, 404, 'NOT_FOUND');
    // API clients under the prefix keep their JSON.
    const meta = await webRequest(origin, `/paste/${paste.id}`, '*/*');
    expectJson(meta.status, meta.headers['content-type']);
  });
});

/** A copy of the server bundle in a directory of its own (inside the repository, so node_modules resolves). */
async function bundleCopy(): Promise<string> {
  const dir = await mkdtemp(join(root, '.tmp-web-test-'));
  await cp(MAIN, join(dir, 'main.js'));
  await cp(join(dist, 'chunks'), join(dir, 'chunks'), { recursive: true });
  return dir;
}

describe('a server without a usable built page', () => {
  const copies: string[] = [];
  afterAll(async () => {
    for (const dir of copies) await rm(dir, { recursive: true, force: true });
  });

  async function expectJsonOnly(server: RunningServer): Promise<void> {
    const warnings = await server.waitForLog((line) => line.level === 40 && /web page off/.test(String(line.msg)), 'the web warning');
    expect(warnings.msg).toMatch(/SEALBIN_WEB=0/);
    expect(server.logLines().filter((line) => /web page off/.test(String(line.msg)))).toHaveLength(1);
    const paste = await createPaste(server.url, 'no page here');
    for (const path of ['/', `/${paste.id}`]) {
      const response = await webRequest(server.url, path, CHROMIUM_ACCEPT);
      expectJson(response.status, response.headers['content-type']);
    }
  }

  it('starts without dist/web, warns in one line and answers JSON', async () => {
    const dir = await bundleCopy();
    copies.push(dir);
    const server = await startServer({ main: join(dir, 'main.js') });
    try {
      await expectJsonOnly(server);
    } finally {
      await server.dispose();
    }
  });

  it('refuses a page whose files do not match the manifest (warns, JSON)', async () => {
    const dir = await bundleCopy();
    copies.push(dir);
    await mkdir(join(dir, 'web'));
    await cp(join(dist, 'web'), join(dir, 'web'), { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'web/manifest.json'), 'utf8')) as { script: { file: string } };
    // A script changed after the build: the browser's SRI check would refuse it, so the server does not offer it.
    await writeFile(join(dir, 'web', manifest.script.file), 'alert("tampered")');
    const server = await startServer({ main: join(dir, 'main.js') });
    try {
      await expectJsonOnly(server);
      const asset = await webRequest(server.url, `/web/${manifest.script.file}`, '*/*');
      expect(asset.status).toBe(404);
    } finally {
      await server.dispose();
    }
  });
});

describe('page views and brute-force blocking (SEALBIN_BRUTE_MAX=3)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_BRUTE_MAX: '3' } });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("the browser's /favicon.ico on every page view is no failed lookup", async () => {
    const paste = await createPaste(server.url, 'viewed many times');
    for (let view = 0; view < 8; view++) {
      expect((await webRequest(server.url, `/${paste.id}`, CHROMIUM_ACCEPT)).status).toBe(200);
      const icon = await webRequest(server.url, '/favicon.ico', 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8');
      expect(icon.status).toBe(204);
      expect(icon.body.length).toBe(0);
    }
    const meta = await webRequest(server.url, `/${paste.id}`, 'application/json');
    expect(meta.status).toBe(200);
    // Real guessing is still counted and blocked.
    for (let guess = 0; guess < 3; guess++) expect((await webRequest(server.url, `/${'0'.repeat(31)}${guess}`, '*/*')).status).toBe(404);
    expect((await webRequest(server.url, `/${paste.id}`, 'application/json')).status).toBe(429);
  });
});
