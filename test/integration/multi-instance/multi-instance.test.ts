// multi-instance (black box): two real server processes on two ports share one PostgreSQL schema and
// one Redis key prefix, and answer as one server: an item created on A is read on B; 40 concurrent
// burn reads split across A and B give exactly one 200; a create limit of 10 holds across both; a PoW
// token spent on A is refused on B; a brute-force block made on A applies on B; a CA made on A is
// trusted by B and a certificate revoked on A is refused by B on the next request; clicks and
// downloads on both are all counted. Certificates reach the servers as a trusted proxy passes them
// (X-SSL-Client-Cert with SEALBIN_PROXY_SECRET, docs/identity.md).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hit, postPaste, postUpload, solvedChallenge } from '../../helpers/abuse.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { deletePrefix } from '../../storage/counter-store-redis-adapter.js';
import { Workdir, fingerprintOf, makeLeaf, makeSelfSigned, opensslRun } from '../identity/support.js';

const databaseUrl = testDatabaseUrl();
const redisUrl = process.env['TEST_REDIS_URL'] || null;
const hasOpenssl = opensslRun(['version']).code === 0;
const skipReason = !databaseUrl ? NO_DATABASE : !redisUrl ? 'TEST_REDIS_URL is not set (CI sets it; e.g. redis://127.0.0.1:6379)' : !hasOpenssl ? 'the openssl CLI is not installed' : null;

const PROXY_SECRET = randomBytes(24).toString('hex');
const prefix = `sealbin-multi-${randomBytes(4).toString('hex')}:`;

let work: Workdir;
let schema: TestSchema;
let redis: Redis;
let a: RunningServer;
let b: RunningServer;
let adminCert: string;

/** What a trusted proxy adds for a client presenting `cert`. */
function viaProxy(cert: string): Record<string, string> {
  return { 'x-ssl-client-cert': encodeURIComponent(cert), 'x-proxy-secret': PROXY_SECRET, 'x-forwarded-for': '127.0.0.1' };
}

describe.skipIf(skipReason !== null)(`multi-instance${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    work = new Workdir();
    schema = await createTestSchema(databaseUrl as string);
    redis = new Redis(redisUrl as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const partner = makeSelfSigned(work, 'partner-ca', '/CN=Multi Partner CA');
    const admin = makeLeaf(work, 'admin', partner, '/CN=multi-admin');
    adminCert = admin.cert;
    const env = {
      SEALBIN_DATABASE_URL: schema.url,
      SEALBIN_REDIS_URL: redisUrl as string,
      SEALBIN_REDIS_PREFIX: prefix,
      SEALBIN_MASTER_KEY: randomBytes(32).toString('hex'),
      SEALBIN_TRUSTED_CA_FILE: partner.certPath,
      SEALBIN_ADMINS: fingerprintOf(admin.cert),
      // Loopback 127.0.0.1 is the "proxy"; the abuse tests connect from other loopback addresses.
      SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32',
      SEALBIN_PROXY_SECRET: PROXY_SECRET,
      SEALBIN_REGISTER_DIFFICULTY: '0',
      SEALBIN_POW_DIFFICULTY: '8',
      SEALBIN_RATE_CREATE: '10/hour',
      SEALBIN_BRUTE_MAX: '3',
      SEALBIN_FLOOD_THRESHOLD: '1000',
    };
    // Both start together on the empty schema: the migrations' lock must let both come up.
    [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
  }, 90_000);

  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await schema?.drop();
    if (redis) {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
    work?.dispose();
  });

  /** A paste created on `server` from `from` (PoW solved there), 201 expected. */
  async function create(server: RunningServer, from: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ id: string; key?: string }> {
    const pow = await solvedChallenge(server.url, undefined, { localAddress: from });
    const reply = await postPaste(server.url, body, { ...pow.headers, ...headers }, { localAddress: from });
    expect(reply.status, reply.text).toBe(201);
    return reply.json() as { id: string };
  }

  it('an item created on A is read on B, byte-identical (large ones stream from PostgreSQL rows)', async () => {
    for (const content of [Buffer.from('made on A'), randomBytes(300_000)]) {
      const { id } = await create(a, '127.0.0.2', content);
      const reply = await fetch(`${b.url}/${id}/raw`);
      expect(reply.status).toBe(200);
      expect(Buffer.from(await reply.arrayBuffer()).equals(content)).toBe(true);
    }
  });

  it('40 concurrent burn reads split across A and B give exactly one 200', async () => {
    const content = randomBytes(2048);
    const { id } = await create(b, '127.0.0.2', content, { 'x-burn-after-read': '1' });
    const replies = await Promise.all(Array.from({ length: 40 }, (_, n) => hit(n % 2 === 0 ? a.url : b.url, `/${id}/raw`, { localAddress: `127.0.1.${n + 1}` })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 404)).toHaveLength(39);
  });

  it('a create limit of 10 per hour holds across both instances', async () => {
    const from = '127.0.0.4';
    const statuses: number[] = [];
    for (let n = 0; n < 14; n += 1) {
      const server = n % 2 === 0 ? a : b;
      const pow = await solvedChallenge(server.url, undefined, { localAddress: from });
      statuses.push((await postPaste(server.url, `limit ${n}`, pow.headers, { localAddress: from })).status);
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
  });

  it('a PoW token spent on A is refused on B', async () => {
    const from = '127.0.0.5';
    const pow = await solvedChallenge(a.url, undefined, { localAddress: from });
    expect((await postPaste(a.url, 'spent on A', pow.headers, { localAddress: from })).status).toBe(201);
    const again = await postPaste(b.url, 'again on B', pow.headers, { localAddress: from });
    expect(again.status).toBe(400);
    expect(again.json()['error_code']).toBe('POW_INVALID');
  });

  it('a brute-force block made on A applies on B', async () => {
    const from = '127.0.0.6';
    for (let n = 0; n < 3; n += 1) expect((await hit(a.url, `/${randomBytes(16).toString('hex')}`, { localAddress: from })).status).toBe(404);
    const onB = await hit(b.url, `/${randomBytes(16).toString('hex')}`, { localAddress: from });
    expect(onB.status).toBe(429);
    expect(onB.json()['error_code']).toBe('BLOCKED');
    // Another client is not blocked.
    expect((await hit(b.url, `/${randomBytes(16).toString('hex')}`, { localAddress: '127.0.0.7' })).status).toBe(404);
  });

  it('a CA made on A is trusted by B; a certificate revoked on A is refused by B on the next request', async () => {
    const made = await fetch(`${a.url}/pki/ca`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ common_name: 'Multi CA', days: 30 }) });
    expect(made.status, await made.clone().text()).toBe(201);
    const issued = await fetch(`${a.url}/pki/issue`, { method: 'POST', headers: { 'content-type': 'application/json', ...viaProxy(adminCert) }, body: JSON.stringify({ common_name: 'frank', days: 2 }) });
    expect(issued.status).toBe(201);
    const { serial, certificate } = (await issued.json()) as { serial: string; certificate: string };
    const listOnB = await fetch(`${b.url}/pastes`, { headers: viaProxy(certificate) });
    expect(listOnB.status, await listOnB.clone().text()).toBe(200);
    expect((await fetch(`${b.url}/pki/status`)).status).toBe(200);
    expect(((await (await fetch(`${b.url}/pki/status`)).json()) as { ca_exists: boolean }).ca_exists).toBe(true);

    const revoked = await fetch(`${a.url}/pki/revoke/${serial}`, { method: 'POST', headers: viaProxy(adminCert) });
    expect(revoked.status).toBe(200);
    const refused = await fetch(`${b.url}/pastes`, { headers: viaProxy(certificate) });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error_code: string }).error_code).toBe('CERT_REVOKED');
  });

  it('clicks and downloads made on both instances are all counted', async () => {
    const pow = await solvedChallenge(a.url, undefined, { localAddress: '127.0.0.8' });
    const link = await hit(a.url, '/s', { method: 'POST', headers: { 'content-type': 'application/json', ...pow.headers }, body: JSON.stringify({ url: 'https://example.org/multi' }), localAddress: '127.0.0.8' });
    expect(link.status, link.text).toBe(201);
    const linkId = link.json()['id'] as string;
    const powUpload = await solvedChallenge(b.url, undefined, { localAddress: '127.0.0.8' });
    const upload = await postUpload(b.url, randomBytes(5000), 'counted.bin', powUpload.headers, { localAddress: '127.0.0.8' });
    expect(upload.status, upload.text).toBe(201);
    const key = upload.json()['key'] as string;
    for (let n = 0; n < 12; n += 1) {
      const server = n % 2 === 0 ? a : b;
      expect((await hit(server.url, `/s/${linkId}`, { localAddress: '127.0.0.9' })).status).toBe(302);
      expect((await hit(server.url, `/download/${key}`, { localAddress: '127.0.0.9' })).status).toBe(200);
    }
    const info = await hit(b.url, `/s/${linkId}/info`, { localAddress: '127.0.0.9' });
    expect(info.json()['clicks']).toBe(12);
    // Download counts are written in batches by each instance: wait until both have flushed.
    await waitFor(async () => (await hit(a.url, `/status/${key}`, { localAddress: '127.0.0.9' })).json()['downloads'] === 12, 'both instances\' downloads counted', { timeoutMs: 30_000, intervalMs: 250 });
  });
});
