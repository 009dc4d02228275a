// Short links belong to their creator: only the owner or an admin lists or deletes them.
// Identities arrive as certificates forwarded by a trusted proxy (X-SSL-Client-Cert, with the proxy secret).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

let server: RunningServer;
let alice: Record<string, string>;
let bob: Record<string, string>;
let admin: Record<string, string>;

async function register(name: string): Promise<{ certificate: string; fingerprint: string }> {
  const response = await fetch(`${server.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ common_name: name }) });
  expect(response.status).toBe(201);
  return (await response.json()) as { certificate: string; fingerprint: string };
}

const PROXY_SECRET = 'short-ownership-proxy-secret';
const PROXY = { SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32', SEALBIN_PROXY_SECRET: PROXY_SECRET };
const as = (certificate: string) => ({ 'x-ssl-client-cert': encodeURIComponent(certificate), 'x-forwarded-for': '198.51.100.7', 'x-proxy-secret': PROXY_SECRET });

beforeAll(async () => {
  server = await startServer({ env: { ...PROXY, SEALBIN_REGISTER_DIFFICULTY: '0' } });
  expect((await fetch(`${server.url}/pki/ca`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(201);
  const [a, b, c] = [await register('alice'), await register('bob'), await register('root')];
  alice = as(a.certificate);
  bob = as(b.certificate);
  admin = as(c.certificate);
  // Admins are named by fingerprint at start: restart on the same data with "root" as admin.
  await server.stop();
  server = await startServer({ dataDir: server.dataDir, env: { ...PROXY, SEALBIN_ADMINS: c.fingerprint } });
});
afterAll(async () => {
  await server.dispose();
});

describe('short link ownership', () => {
  it('records the owner, lists only own links, and lets only the owner or an admin delete', async () => {
    const created = await fetch(`${server.url}/s`, { method: 'POST', headers: alice, body: 'https://example.org/alice' });
    expect(created.status).toBe(201);
    const link = (await created.json()) as { id: string; short_url: string; owner: string };
    expect(link.owner).toMatch(/^[0-9a-f]{64}$/);

    const aliceList = (await (await fetch(`${server.url}/s`, { headers: alice })).json()) as { links: { id: string; clicks: number }[] };
    expect(aliceList.links.map((l) => l.id)).toContain(link.id);
    const bobList = (await (await fetch(`${server.url}/s`, { headers: bob })).json()) as { links: unknown[] };
    expect(bobList.links).toEqual([]);

    expect((await fetch(link.short_url, { method: 'DELETE', headers: bob })).status).toBe(403);
    expect((await fetch(link.short_url, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(link.short_url, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(link.short_url, { method: 'DELETE', headers: alice })).status).toBe(204);
    expect((await fetch(link.short_url, { redirect: 'manual' })).status).toBe(404);

    const other = (await (await fetch(`${server.url}/s`, { method: 'POST', headers: bob, body: 'https://example.org/bob' })).json()) as { short_url: string };
    expect((await fetch(other.short_url, { method: 'DELETE', headers: admin })).status).toBe(204);
    expect((await fetch(`${other.short_url}/info`)).status).toBe(404);
  });
});
