// quotas (black box): SEALBIN_QUOTA_ITEMS and SEALBIN_QUOTA_BYTES over live items, per certificate
// owner and per anonymous address group (IPv4 address, IPv6 /64). Clients are told apart the way a
// reverse proxy names them (SEALBIN_TRUSTED_PROXIES + X-Forwarded-For, certificates in
// X-SSL-Client-Cert with SEALBIN_PROXY_SECRET); each test uses addresses of its own, so each starts
// with an empty quota. Expiry sweeps are an hour apart: an expired item frees quota before it is swept.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorHit, hit, postPaste, postUpload } from '../../helpers/abuse.js';
import type { Hit } from '../../helpers/abuse.js';
import { leftovers } from '../../helpers/data-files.js';
import { rawHttp, streamUpload } from '../../helpers/http.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { Workdir, makeLeaf, makeSelfSigned, opensslRun } from '../identity/support.js';

const SECRET = 'quota-proxy-secret-0123456789';
const ITEMS = 5;
const BYTES = 1000;
const hasOpenssl = opensslRun(['version']).code === 0;

let server: RunningServer;
let work: Workdir | undefined;
let aliceCert = '';

beforeAll(async () => {
  const env: Record<string, string> = {
    SEALBIN_QUOTA_ITEMS: String(ITEMS),
    SEALBIN_QUOTA_BYTES: '1000B',
    SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32',
    SEALBIN_PROXY_SECRET: SECRET,
    SEALBIN_CLEANUP_INTERVAL: '3600',
  };
  if (hasOpenssl) {
    work = new Workdir();
    const partner = makeSelfSigned(work, 'partner-ca', '/CN=Quota Partner CA');
    aliceCert = makeLeaf(work, 'alice', partner, '/CN=alice').cert;
    env['SEALBIN_TRUSTED_CA_FILE'] = partner.certPath;
  }
  server = await startServer({ env });
});
afterAll(async () => {
  await server?.dispose();
  work?.dispose();
});

/** What the trusted proxy adds for a client at `ip` (and presenting `cert`, if given). */
function from(ip: string, cert?: string): Record<string, string> {
  return { 'x-forwarded-for': ip, 'x-proxy-secret': SECRET, ...(cert ? { 'x-ssl-client-cert': encodeURIComponent(cert) } : {}) };
}

const bytes = (n: number, fill = 0x61) => Buffer.alloc(n, fill);

async function created(response: Hit): Promise<Record<string, unknown>> {
  expect(response.status, response.text).toBe(201);
  return response.json();
}

function expectQuota(response: Hit, quota: 'items' | 'bytes', used: number, limit: number): void {
  const body = expectErrorHit(response, 413, 'QUOTA_EXCEEDED');
  expect({ quota: body['quota'], used: body['used'], limit: body['limit'] }).toEqual({ quota, used, limit });
}

/** `n` small pastes from `ip` (and `cert`), each expected to be created. */
async function fill(ip: string, n: number, cert?: string): Promise<Record<string, unknown>[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await created(await postPaste(server.url, `item ${i} of ${ip}`, from(ip, cert))));
  return out;
}

describe('quotas: items', () => {
  it('GET / shows the quotas', async () => {
    const info = await hit(server.url, '/', { headers: { accept: 'application/json' } });
    expect(info.json()['limits']).toMatchObject({ quota_bytes: BYTES, quota_items: ITEMS });
  });

  it('exactly SEALBIN_QUOTA_ITEMS live items are accepted (pastes and file shares alike); one more is 413 with quota, used and limit', async () => {
    const ip = '198.51.100.1';
    await fill(ip, ITEMS - 1);
    await created(await postUpload(server.url, 'a file share', 'share.txt', from(ip)));
    expectQuota(await postPaste(server.url, 'one too many', from(ip)), 'items', ITEMS, ITEMS);
    expectQuota(await postUpload(server.url, 'one too many', 'x.txt', from(ip)), 'items', ITEMS, ITEMS);
    // Another client is not affected.
    await created(await postPaste(server.url, 'someone else', from('198.51.100.2')));
  });

  it('a delete frees quota at once', async () => {
    const ip = '198.51.100.3';
    const items = await fill(ip, ITEMS);
    expectQuota(await postPaste(server.url, 'full', from(ip)), 'items', ITEMS, ITEMS);
    const victim = items[2] as { id: string; delete_token: string };
    expect((await hit(server.url, `/${victim.id}`, { method: 'DELETE', headers: { 'x-delete-token': victim.delete_token } })).status).toBe(204);
    await created(await postPaste(server.url, 'fits again', from(ip)));
    expectQuota(await postPaste(server.url, 'full again', from(ip)), 'items', ITEMS, ITEMS);
  });

  it('20 parallel creates from one client under a quota of 5: exactly 5 are created, 15 refused with QUOTA_EXCEEDED', async () => {
    const ip = '198.51.100.4';
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postPaste(server.url, `race ${i}`, from(ip))));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(ITEMS);
    for (const response of responses.filter((r) => r.status !== 201)) {
      const body = expectErrorHit(response, 413, 'QUOTA_EXCEEDED');
      expect(body['quota']).toBe('items');
      expect(body['used']).toBe(ITEMS);
    }
  });

  it('short links do not count against the quota', async () => {
    const ip = '198.51.100.5';
    await fill(ip, ITEMS);
    const link = await hit(server.url, '/s', { method: 'POST', headers: { ...from(ip), 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.org/quota' }) });
    expect(link.status, link.text).toBe(201);
    expectQuota(await postPaste(server.url, 'still full', from(ip)), 'items', ITEMS, ITEMS);
  });
});

describe('quotas: bytes', () => {
  it('content that reaches the byte quota exactly is accepted; one byte more is 413 (from the headers, nothing read)', async () => {
    const ip = '198.51.100.10';
    await created(await postPaste(server.url, bytes(600), from(ip)));
    await created(await postPaste(server.url, bytes(400, 0x62), from(ip)));
    expectQuota(await postPaste(server.url, bytes(1, 0x63), from(ip)), 'bytes', BYTES, BYTES);
  });

  it('the exact check at commit: content of unknown size (multipart, chunked) one byte over is refused and not stored', async () => {
    const ip = '198.51.100.11';
    await created(await postPaste(server.url, bytes(600), from(ip)));
    expectQuota(await postUpload(server.url, bytes(401, 0x62), 'over.bin', from(ip)), 'bytes', 600, BYTES);
    const chunked = await streamUpload(server.url, '/', 401, { ...from(ip), 'content-type': 'application/octet-stream' });
    expect(chunked.status, chunked.body).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error_code: 'QUOTA_EXCEEDED', quota: 'bytes', used: 600, limit: BYTES });
    // Nothing of the refused uploads counts: exactly the rest still fits.
    await created(await postUpload(server.url, bytes(400, 0x63), 'fits.bin', from(ip)));
  });

  it('a declared Content-Length that surely exceeds is refused before the body is sent', async () => {
    const ip = '198.51.100.12';
    await created(await postPaste(server.url, bytes(600), from(ip)));
    const { host } = new URL(server.url);
    // Headers only: a server that waited for the 401 body bytes would answer nothing.
    const answer = await rawHttp(server.url, `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\nContent-Length: 401\r\nX-Forwarded-For: ${ip}\r\nX-Proxy-Secret: ${SECRET}\r\n\r\n`, 8000);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ error_code: 'QUOTA_EXCEEDED', quota: 'bytes', used: 600, limit: BYTES });
  });

  it('20 parallel creates of 300 bytes under a byte quota of 1000: exactly 3 are created', async () => {
    const ip = '198.51.100.13';
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postPaste(server.url, bytes(300, 0x41 + i), from(ip))));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(3);
    for (const response of responses.filter((r) => r.status !== 201)) expect(expectErrorHit(response, 413, 'QUOTA_EXCEEDED')['quota']).toBe('bytes');
  });

  it('expiry frees quota at once, before the sweep removes the item', async () => {
    const ip = '198.51.100.14';
    const item = await created(await postPaste(server.url, bytes(BYTES), { ...from(ip), 'x-expiry': '4' }));
    expectQuota(await postPaste(server.url, 'x', from(ip)), 'bytes', BYTES, BYTES);
    await waitFor(async () => (await hit(server.url, `/${String(item['id'])}`)).status === 404, 'the item to expire', { timeoutMs: 15_000, intervalMs: 200 });
    await created(await postPaste(server.url, bytes(BYTES), from(ip)));
  });

  it('a burned item frees quota at once', async () => {
    const ip = '198.51.100.15';
    const item = await created(await postPaste(server.url, bytes(BYTES), { ...from(ip), 'x-burn-after-read': '1' }));
    expectQuota(await postPaste(server.url, 'x', from(ip)), 'bytes', BYTES, BYTES);
    expect((await hit(server.url, `/${String(item['id'])}/raw`)).status).toBe(200);
    await created(await postPaste(server.url, bytes(BYTES), from(ip)));
  });
});

describe('quotas: who counts', () => {
  it('two IPv6 addresses in one /64 share a quota; another /64 has its own', async () => {
    await fill('2001:db8:77:1::1', ITEMS);
    expectQuota(await postPaste(server.url, 'same /64', from('2001:db8:77:1:ffff:ffff:ffff:fffe')), 'items', ITEMS, ITEMS);
    expectQuota(await postPaste(server.url, 'same /64', from('2001:0db8:0077:0001::9')), 'items', ITEMS, ITEMS);
    await created(await postPaste(server.url, 'next /64', from('2001:db8:77:2::1')));
  });

  it.skipIf(!hasOpenssl)('a certificate owner and the anonymous clients at its address have separate quotas; the owner\'s follows it anywhere', async () => {
    const ip = '198.51.100.20';
    await fill(ip, ITEMS);
    expectQuota(await postPaste(server.url, 'anonymous, full', from(ip)), 'items', ITEMS, ITEMS);
    const mine = await fill(ip, ITEMS, aliceCert);
    expect(mine[0]?.['owner']).toMatch(/^[0-9a-f]{64}$/);
    expectQuota(await postPaste(server.url, 'owner, full', from(ip, aliceCert)), 'items', ITEMS, ITEMS);
    expectQuota(await postPaste(server.url, 'owner elsewhere, full', from('203.0.113.99', aliceCert)), 'items', ITEMS, ITEMS);
    await created(await postPaste(server.url, 'anonymous elsewhere', from('203.0.113.99')));
  });

  it.skipIf(!hasOpenssl)('PUT counts the new size minus the old against the owner\'s byte quota', async () => {
    const ip = '198.51.100.21';
    const owner = from(ip, `${aliceCert}`);
    // Alice's item quota is full from the test above: free it first (she owns those items).
    const listed = await hit(server.url, '/pastes?limit=200', { headers: owner });
    expect(listed.status, listed.text).toBe(200);
    for (const paste of (listed.json()['pastes'] as { id: string }[])) expect((await hit(server.url, `/${paste.id}`, { method: 'DELETE', headers: owner })).status).toBe(204);
    const a = await created(await postPaste(server.url, bytes(600), owner));
    await created(await postPaste(server.url, bytes(300), owner));
    const put = (size: number) => hit(server.url, `/${String(a['id'])}`, { method: 'PUT', headers: { ...owner, 'content-type': 'application/octet-stream' }, body: bytes(size, 0x7a) });
    // 300 + 700 = 1000: exactly at the quota.
    const grown = await put(700);
    expect(grown.status, grown.text).toBe(200);
    expect(grown.json()['size']).toBe(700);
    expectQuota(await put(701), 'bytes', 300, BYTES);
    const after = await hit(server.url, `/${String(a['id'])}`, { headers: owner });
    expect(after.json()['size']).toBe(700);
    const shrunk = await put(10);
    expect(shrunk.status, shrunk.text).toBe(200);
    await created(await postPaste(server.url, bytes(BYTES - 310), owner));
  });

  it('attack: a dump of the database lists no client address, only a keyed hash of each group', async () => {
    const ip = '192.0.2.77';
    const made = await fill(ip, 2);
    await fill('2001:db8:99:1::5', 1);
    const db = new BetterSqlite3(join(server.dataDir, 'sealbin.db'), { readonly: true });
    try {
      const keyOf = (id: unknown) => (db.prepare('select quota_key from items where id = ?').get(id) as { quota_key: string }).quota_key;
      expect(keyOf(made[0]?.['id'])).toMatch(/^group:[0-9a-f]{64}$/);
      expect(keyOf(made[1]?.['id'])).toBe(keyOf(made[0]?.['id']));
      const keys = (db.prepare('select distinct quota_key from items').all() as { quota_key: string }[]).map((row) => row.quota_key);
      for (const key of keys) expect(key).toMatch(/^(group|owner):[0-9a-f]{64}$/);
    } finally {
      db.close();
    }
    // Not in any data file (database, WAL), in any spelling the server saw.
    expect(leftovers(server.dataDir, { 'the IPv4 address': Buffer.from(ip), 'the IPv6 /64': Buffer.from('2001:db8:99:1') })).toEqual([]);
  });
});
