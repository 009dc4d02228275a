// What each documented request must get, by route: the status and shape the docs promise, plus what
// the command itself asks for (an expiry, burn-after-read, the file it sends). Checks are keyed by
// the request curl actually made, not by the example's wording, so docs can be rephrased freely; a
// request to a route without a check fails the docs test until one is written here.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Transfer } from './curl-observer.js';
import { FIXTURES } from './substitute.js';
import type { Placeholders } from './substitute.js';

export interface CheckContext {
  /** The command as run (after substitution). */
  command: string;
  transfer: Transfer;
  /** The whole example's stdout (a pipeline's last stage). */
  stdout: Buffer;
  cwd: string;
  base: string;
  /** Placeholder values; checks of creations fill them for later examples. */
  values: Placeholders;
  /** SHA-256 of each created item's content, by id: later reads are compared with it. */
  contents: Map<string, string>;
}

export interface RouteCheck {
  route: string;
  method: string;
  path: RegExp;
  /** Server state the request needs (run before the example when its URL matches `path`). */
  prepare?: (base: string) => Promise<void>;
  check: (context: CheckContext) => void | Promise<void>;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const HEX64 = /^[0-9a-f]{64}$/;

function json(context: CheckContext): Record<string, unknown> {
  const text = context.transfer.stdout.toString('utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`expected a JSON answer, got: ${text.slice(0, 300)}`);
  }
}

function expectStatus(context: CheckContext, status: number): void {
  expect(context.transfer.status, `${context.transfer.method} ${context.transfer.url.pathname}: ${context.transfer.stdout.toString('utf8').slice(0, 300)}`).toBe(status);
}

/** A header the command sends with -H 'Name: value'. */
function sentHeader(command: string, name: string): string | undefined {
  const match = new RegExp(`-H\\s+['"]${name}:\\s*([^'"]*)['"]`, 'i').exec(command);
  return match?.[1]?.trim();
}

/** The SHA-256 of what the command uploads, when it says (a fixture file or JSON content). */
function sentContentHash(command: string): string | undefined {
  const file = /(?:-F\s+['"]?file=@|--data-binary\s+@|-T\s+)([^\s'";]+)/.exec(command)?.[1];
  if (file !== undefined && file !== '-') {
    const fixture = FIXTURES[file];
    if (fixture === undefined) throw new Error(`the example sends ${file}, which is not among the test fixtures`);
    return sha256(fixture);
  }
  const body = /-d\s+'(\{[^']*\})'/.exec(command)?.[1];
  if (body !== undefined && sentHeader(command, 'Content-Type') === 'application/json') return sha256(String((JSON.parse(body) as { content: unknown }).content));
  return undefined;
}

/** The bytes of the response: curl's stdout, or the file it wrote with -o / -O / -OJ. */
function responseBytes(context: CheckContext): Buffer {
  if (context.transfer.stdout.length > 0) return context.transfer.stdout;
  const output = /\s(?:-o|--output)\s+([^\s'"]+)/.exec(context.command)?.[1];
  const fromHeader = /filename="([^"]+)"/.exec(context.transfer.headers['content-disposition'] ?? '')?.[1];
  const name = output ?? (/\s-[a-zA-Z]*J/.test(context.command) ? fromHeader : undefined) ?? context.transfer.url.pathname.split('/').pop() ?? '';
  const path = join(context.cwd, name);
  expect(existsSync(path), `curl should have written ${name}`).toBe(true);
  return readFileSync(path);
}

/** POST / and POST /upload: 201, the item's fields, what the command asked for. */
function checkCreated(context: CheckContext): Record<string, unknown> {
  expectStatus(context, 201);
  const item = json(context);
  const id = item['id'] as string;
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(item).toMatchObject({ url: `${context.base}/${id}`, raw: `${context.base}/${id}/raw`, owner: null, delete_token: expect.any(String) });
  expect(context.transfer.headers['location']).toBe(item['url']);
  expect(item['sha256']).toMatch(HEX64);
  const expiry = sentHeader(context.command, 'X-Expiry');
  // Counted from the creation second rounded up: never shorter than asked.
  if (expiry !== undefined) expect([Number(expiry), Number(expiry) + 1]).toContain((item['expires_at'] as number) - (item['created_at'] as number));
  const burn = sentHeader(context.command, 'X-Burn-After-Read');
  expect(item['burn_after_read']).toBe(burn === '1' || burn === 'true');
  const limit = sentHeader(context.command, 'X-Max-Downloads');
  expect(item['downloads_remaining']).toBe(limit !== undefined ? Number(limit) : burn === '1' || burn === 'true' ? 1 : null);
  const hash = sentContentHash(context.command);
  if (hash !== undefined) expect(item['sha256']).toBe(hash);
  const part = /-F\s+['"]?file=@([^\s'";]+)/.exec(context.command)?.[1];
  if (part !== undefined) expect(item['filename']).toBe(part);
  context.values.pasteId = id;
  context.values.deleteToken = item['delete_token'] as string;
  context.contents.set(id, item['sha256'] as string);
  return item;
}

/** The CA exists (created as the docs say, from loopback) before a request that needs it. */
async function ensureCa(base: string): Promise<void> {
  const status = (await (await fetch(`${base}/pki/status`)).json()) as { ca_exists: boolean };
  if (status.ca_exists) return;
  const created = await fetch(`${base}/pki/ca`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ common_name: 'Docs test CA' }) });
  expect(created.status).toBe(201);
}

const PASTE_ID = '[0-9a-f]{32}';
const FILE_KEY = '[a-z]+(?:-[a-z]+){5}';

/** Specific routes first: the first whose method and path match a request checks it. */
export const ROUTE_CHECKS: readonly RouteCheck[] = [
  {
    route: 'GET /',
    method: 'GET',
    path: /^\/$/,
    check: (context) => {
      expectStatus(context, 200);
      expect(json(context)).toMatchObject({ name: expect.any(String), version: expect.any(String), endpoints: expect.any(Object), limits: { max_size: expect.any(Number), default_expiry: expect.any(Number), max_expiry: expect.any(Number) }, pow: { enabled: expect.any(Boolean), difficulty: expect.any(Number) } });
    },
  },
  { route: 'POST /', method: 'POST', path: /^\/$/, check: (context) => void checkCreated(context) },
  {
    route: 'POST /upload',
    method: 'POST',
    path: /^\/upload$/,
    check: (context) => {
      const item = checkCreated(context);
      expect(item['key']).toMatch(new RegExp(`^${FILE_KEY}$`));
      expect(item['download_url']).toBe(`${context.base}/download/${item['key'] as string}`);
      context.values.fileKey = item['key'] as string;
      context.contents.set(item['key'] as string, item['sha256'] as string);
    },
  },
  {
    route: 'GET /challenge',
    method: 'GET',
    path: /^\/challenge$/,
    check: (context) => {
      expectStatus(context, 200);
      expect(context.transfer.headers['content-type']).toBe('application/json; charset=utf-8');
      // Piped into a solver, the body is not curl's stdout; when it is, it has the documented fields.
      if (context.transfer.stdout.length > 0) expect(Object.keys(json(context)).sort()).toEqual(['difficulty', 'enabled', 'expires', 'nonce', 'token']);
    },
  },
  {
    route: 'GET /health',
    method: 'GET',
    path: /^\/health$/,
    check: (context) => {
      expectStatus(context, 200);
      expect(json(context)).toMatchObject({ status: 'ok', checks: expect.any(Object) });
    },
  },
  {
    route: 'GET /metrics',
    method: 'GET',
    path: /^\/metrics$/,
    check: (context) => {
      expectStatus(context, 200);
      expect(context.transfer.headers['content-type']).toMatch(/^text\/plain/);
      expect(context.transfer.stdout.toString('utf8')).toMatch(/^# TYPE \w+ (counter|histogram|gauge)$/m);
    },
  },
  {
    route: 'GET /openapi.json',
    method: 'GET',
    path: /^\/openapi\.json$/,
    check: (context) => {
      expectStatus(context, 200);
      const document = json(context);
      expect(document['openapi']).toMatch(/^3\./);
      expect(Object.keys(document['paths'] as object)).toEqual(expect.arrayContaining(['/', '/upload', '/s', '/challenge']));
    },
  },
  {
    route: 'GET /client',
    method: 'GET',
    path: /^\/client$/,
    check: (context) => {
      expectStatus(context, 200);
      const bundle = responseBytes(context);
      expect(bundle.subarray(0, 2).toString()).toBe('#!');
      expect(sha256(bundle)).toBe(context.transfer.headers['x-content-sha256']);
      const output = /\s-o\s+([^\s'"]+)/.exec(context.command)?.[1];
      // `chmod +x` in the example: the downloaded CLI is then runnable as ./fpaste.
      if (output !== undefined && context.command.includes(`chmod +x ${output}`)) expect(statSync(join(context.cwd, output)).mode & 0o111).not.toBe(0);
    },
  },
  {
    route: 'HEAD /client',
    method: 'HEAD',
    path: /^\/client$/,
    check: (context) => {
      expectStatus(context, 200);
      const digest = context.transfer.headers['x-content-sha256'];
      expect(digest).toMatch(HEX64);
      if (/grep -i x-content-sha256/.test(context.command)) expect(context.stdout.toString('utf8')).toMatch(new RegExp(`^x-content-sha256: ${digest as string}\\s*$`, 'im'));
      // The docs say to compare with `sha256sum fpaste`: an fpaste fetched by an earlier example matches.
      const fetched = join(context.cwd, 'fpaste');
      if (existsSync(fetched)) expect(sha256(readFileSync(fetched))).toBe(digest);
    },
  },
  {
    route: 'GET /status/{key}',
    method: 'GET',
    path: new RegExp(`^/status/${FILE_KEY}$`),
    check: (context) => {
      expectStatus(context, 200);
      expect(json(context)).toMatchObject({ size: expect.any(Number), mime_type: expect.any(String), created_at: expect.any(Number), downloads: expect.any(Number), burn_after_read: expect.any(Boolean) });
    },
  },
  {
    route: 'GET /preview/{key}',
    method: 'GET',
    path: new RegExp(`^/preview/${FILE_KEY}$`),
    check: (context) => {
      expectStatus(context, 200);
      const preview = json(context);
      expect(preview).toMatchObject({ size: expect.any(Number), mime_type: expect.any(String) });
      expect(preview['text'] === null || typeof preview['text'] === 'string').toBe(true);
      expect(typeof preview['text'] === 'string').toBe((preview['mime_type'] as string).startsWith('text/'));
    },
  },
  {
    route: 'GET /download/{key}',
    method: 'GET',
    path: new RegExp(`^/download/${FILE_KEY}$`),
    check: (context) => {
      expectStatus(context, 200);
      expect(context.transfer.headers['content-disposition']).toMatch(/^attachment/);
      const key = context.transfer.url.pathname.split('/').pop() as string;
      expect(sha256(responseBytes(context))).toBe(context.contents.get(key));
    },
  },
  {
    route: 'POST /s',
    method: 'POST',
    path: /^\/s$/,
    check: (context) => {
      expectStatus(context, 201);
      const link = json(context);
      expect(link['id']).toMatch(/^[0-9A-Za-z]{8}$/);
      expect(link['short_url']).toBe(`${context.base}/s/${link['id'] as string}`);
      const target = /-d\s+'(https?:[^']+)'/.exec(context.command)?.[1];
      if (target !== undefined) expect(link['target']).toBe(new URL(target).href);
      context.values.shortId = link['id'] as string;
    },
  },
  {
    route: 'GET /s/{id}/info',
    method: 'GET',
    path: /^\/s\/[0-9A-Za-z]{8}\/info$/,
    check: (context) => {
      expectStatus(context, 200);
      expect(json(context)).toMatchObject({ id: context.transfer.url.pathname.split('/')[2], target: expect.any(String), clicks: expect.any(Number), created_at: expect.any(Number) });
    },
  },
  {
    route: 'GET /s/{id}',
    method: 'GET',
    path: /^\/s\/[0-9A-Za-z]{8}$/,
    check: (context) => {
      expectStatus(context, 302);
      expect(context.transfer.headers['location']).toMatch(/^https?:\/\//);
    },
  },
  {
    route: 'GET /pki/status',
    method: 'GET',
    path: /^\/pki\/status$/,
    check: (context) => {
      expectStatus(context, 200);
      expect(Object.keys(json(context)).sort()).toEqual(['ca_exists', 'common_name', 'enabled', 'expires_at', 'fingerprint', 'issued', 'revoked']);
    },
  },
  {
    route: 'GET /pki/crl',
    method: 'GET',
    path: /^\/pki\/crl$/,
    prepare: ensureCa,
    check: (context) => {
      expectStatus(context, 200);
      expect(responseBytes(context).toString('utf8')).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+-----END X509 CRL-----\n?$/);
    },
  },
  {
    route: 'GET /register/challenge',
    method: 'GET',
    path: /^\/register\/challenge$/,
    check: (context) => {
      expectStatus(context, 200);
      if (context.transfer.stdout.length > 0) expect(json(context)).toMatchObject({ enabled: true, difficulty: expect.any(Number), nonce: expect.any(String), token: expect.any(String) });
    },
  },
  {
    route: 'POST /pki/ca',
    method: 'POST',
    path: /^\/pki\/ca$/,
    check: (context) => {
      expectStatus(context, 201);
      const status = json(context);
      expect(status).toMatchObject({ enabled: true, ca_exists: true, issued: 0, revoked: 0 });
      expect(status['fingerprint']).toMatch(HEX64);
      const asked = /"common_name":\s*"([^"]+)"/.exec(context.command)?.[1];
      if (asked !== undefined) expect(status['common_name']).toBe(asked);
    },
  },
  {
    route: 'GET /pki/ca.crt',
    method: 'GET',
    path: /^\/pki\/ca\.crt$/,
    prepare: ensureCa,
    check: (context) => {
      expectStatus(context, 200);
      expect(responseBytes(context).toString('utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/);
    },
  },
  {
    route: 'GET /{id}',
    method: 'GET',
    path: new RegExp(`^/${PASTE_ID}$`),
    check: (context) => {
      expectStatus(context, 200);
      const item = json(context);
      expect(item['id']).toBe(context.transfer.url.pathname.slice(1));
      expect(item).not.toHaveProperty('delete_token');
    },
  },
  {
    route: 'GET /{id}/raw',
    method: 'GET',
    path: new RegExp(`^/${PASTE_ID}/raw$`),
    check: (context) => {
      expectStatus(context, 200);
      const id = context.transfer.url.pathname.split('/')[1] as string;
      expect(sha256(responseBytes(context))).toBe(context.contents.get(id));
    },
  },
  {
    route: 'POST /tus',
    method: 'POST',
    path: /^\/tus$/,
    check: (context) => {
      expectStatus(context, 201);
      expect(context.transfer.headers['location']).toMatch(new RegExp(`^${context.base}/tus/[0-9a-f]{32}$`));
      expect(context.transfer.headers['upload-offset']).toBe('0');
      expect(context.transfer.headers['tus-resumable']).toBe('1.0.0');
    },
  },
  {
    route: 'HEAD /tus/{id}',
    method: 'HEAD',
    path: /^\/tus\/[0-9a-f]{32}$/,
    check: (context) => {
      expectStatus(context, 200);
      expect(context.transfer.headers['upload-offset']).toMatch(/^\d+$/);
    },
  },
  {
    route: 'PATCH /tus/{id}',
    method: 'PATCH',
    path: /^\/tus\/[0-9a-f]{32}$/,
    check: async (context) => {
      expectStatus(context, 204);
      const { headers } = context.transfer;
      expect(headers['upload-offset']).toMatch(/^\d+$/);
      if (headers['upload-offset'] !== headers['upload-length']) return;
      // The completing PATCH names the new file share; its content is what the example sent.
      expect(headers['x-sealbin-key']).toMatch(new RegExp(`^${FILE_KEY}$`));
      const download = await fetch(`${context.base}/download/${headers['x-sealbin-key'] as string}`);
      expect(download.status).toBe(200);
      const sent = FIXTURES[Object.keys(FIXTURES).find((name) => context.command.includes(name)) ?? ''];
      if (sent) expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(sent));
    },
  },
  {
    route: 'DELETE /{id}',
    method: 'DELETE',
    path: new RegExp(`^/${PASTE_ID}$`),
    check: async (context) => {
      expectStatus(context, 204);
      expect((await fetch(`${context.base}${context.transfer.url.pathname}`)).status).toBe(404);
    },
  },
];

export function checkFor(transfer: Transfer): RouteCheck | undefined {
  return ROUTE_CHECKS.find((check) => check.method === transfer.method && check.path.test(transfer.url.pathname));
}
