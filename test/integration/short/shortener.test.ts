// The URL shortener over HTTP: create, redirect, info, click counting under parallel load, expiry,
// brute-force counting on unknown ids, and owner-only deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { unixSeconds, waitFor } from '../../helpers/wait.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

interface Link {
  id: string;
  short_url: string;
  target: string;
  created_at: number;
  expires_at: number | null;
  owner: string | null;
}

async function shorten(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/s`, { method: 'POST', body, headers });
}

describe('shortener', () => {
  it('creates from JSON and from text, answering the contract fields and a Location', async () => {
    const json = await shorten(JSON.stringify({ url: 'HTTPS://Example.org/path?q=1' }), { 'content-type': 'application/json' });
    expect(json.status).toBe(201);
    const link = (await json.json()) as Link;
    // The contract's fields, plus clicks_remaining (null when unlimited; docs/api.md, "Additions").
    expect(Object.keys(link).sort()).toEqual(['clicks_remaining', 'created_at', 'expires_at', 'id', 'owner', 'short_url', 'target']);
    expect(link.id).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(link.target).toBe('https://example.org/path?q=1');
    expect(link.short_url).toBe(`${server.url}/s/${link.id}`);
    expect(json.headers.get('location')).toBe(link.short_url);
    expect(link.owner).toBeNull();

    const text = await shorten('https://example.org/from-text\n', { 'content-type': 'text/plain' });
    expect(text.status).toBe(201);
    expect(((await text.json()) as Link).target).toBe('https://example.org/from-text');
  });

  it('redirects with 302 to the normalised target and counts clicks', async () => {
    const link = (await (await shorten('https://example.org/a b')).json()) as Link;
    const first = await fetch(link.short_url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('https://example.org/a%20b');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    await fetch(link.short_url, { redirect: 'manual' });
    const info = (await (await fetch(`${link.short_url}/info`)).json()) as { clicks: number; target: string; id: string };
    expect(info).toMatchObject({ id: link.id, target: 'https://example.org/a%20b', clicks: 2 });
  });

  it('loses no click under 100 parallel hits', async () => {
    const link = (await (await shorten('https://example.org/busy')).json()) as Link;
    const statuses = await Promise.all(Array.from({ length: 100 }, () => fetch(link.short_url, { redirect: 'manual' }).then((r) => r.status)));
    expect(statuses.every((status) => status === 302)).toBe(true);
    const info = (await (await fetch(`${link.short_url}/info`)).json()) as { clicks: number };
    expect(info.clicks).toBe(100);
  });

  it.each([
    ['javascript:alert(1)'],
    [' javascript:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['VBSCRIPT:msgbox(1)'],
    ['file:///etc/passwd'],
    ['https://user:pass@example.org/'],
    ['https://example.org/%0d%0aSet-Cookie:%20a=b'],
    ['https://example.org/' + 'a'.repeat(2100)],
    ['not a url'],
  ])('refuses %j with 400 INVALID_URL', async (input) => {
    const response = await shorten(JSON.stringify({ url: input }), { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_code: string }).error_code).toBe('INVALID_URL');
  });

  it("refuses its own short links (loops)", async () => {
    const link = (await (await shorten('https://example.org/loop-base')).json()) as Link;
    const response = await shorten(link.short_url);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_code: string }).error_code).toBe('INVALID_URL');
  });

  it('refuses bodies without a URL and malformed expiry', async () => {
    expect((await shorten(JSON.stringify({ link: 'https://example.org' }), { 'content-type': 'application/json' })).status).toBe(400);
    const expiry = await shorten('https://example.org/e', { 'x-expiry': '-5' });
    expect(((await expiry.json()) as { error_code: string }).error_code).toBe('INVALID_EXPIRY');
  });

  it('expires links', async () => {
    // X-Expiry: 3 lives at least 3 s (counted from the creation second rounded up): time enough to see it work first.
    const link = (await (await shorten('https://example.org/short-lived', { 'x-expiry': '3' })).json()) as Link;
    expect([3, 4]).toContain(Number(link.expires_at) - link.created_at);
    expect((await fetch(link.short_url, { redirect: 'manual' })).status).toBe(302);
    await waitFor(async () => (await fetch(link.short_url, { redirect: 'manual' })).status === 404, 'the link to expire');
    expect(unixSeconds()).toBeGreaterThanOrEqual(link.expires_at as number);
    expect((await fetch(`${link.short_url}/info`)).status).toBe(404);
  });

  it('needs an identity to list or delete (anonymous: 401)', async () => {
    const link = (await (await shorten('https://example.org/keep')).json()) as Link;
    expect((await fetch(`${server.url}/s`)).status).toBe(401);
    const deleted = await fetch(link.short_url, { method: 'DELETE' });
    expect(deleted.status).toBe(401);
    expect((await fetch(link.short_url, { redirect: 'manual' })).status).toBe(302);
  });

});

describe('shortener brute force', () => {
  let guarded: RunningServer;
  beforeAll(async () => {
    guarded = await startServer({ env: { SEALBIN_BRUTE_MAX: '5', SEALBIN_BRUTE_BLOCK: '600' } });
  });
  afterAll(async () => {
    await guarded.dispose();
  });

  it('counts unknown ids as failed lookups and blocks the guesser', async () => {
    const server = guarded;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${server.url}/s/zzzzzzz${i}/info`)).status);
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const blocked = await fetch(`${server.url}/s/zzzzzzzz`, { redirect: 'manual' });
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as { error_code: string }).error_code).toBe('BLOCKED');
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
