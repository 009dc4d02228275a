// export-to (black box): 100 items built through a real server on the default SQLite + files (pastes
// small and large, file shares, burn-after-read and expiring ones, owned ones), short links, the CA and
// certificates (one revoked); `sealbin export-to` into a fresh PostgreSQL schema; then a server on
// PostgreSQL with an empty data dir and the same master key serves every one of them byte-identical:
// file shares by their diceware key, short links resolve, the CA and the certificates verify, the
// revoked one stays revoked, and a certificate issued before lists its own pastes. A second export
// into the now-used schema is refused and changes nothing.
import { spawn } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, makeDataDir, startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { Workdir, fingerprintOf, makeLeaf, makeSelfSigned, opensslRun } from '../identity/support.js';

const databaseUrl = testDatabaseUrl();
const hasOpenssl = opensslRun(['version']).code === 0;
const skipReason = !databaseUrl ? NO_DATABASE : !hasOpenssl ? 'the openssl CLI is not installed' : null;

const MASTER_KEY = randomBytes(32).toString('hex');
const PROXY_SECRET = randomBytes(24).toString('hex');

interface Made {
  kind: 'paste' | 'file';
  id: string;
  key?: string;
  content: Buffer;
  burn: boolean;
  owner: string | null;
}

let work: Workdir;
let schema: TestSchema;
let env: Record<string, string>;
let sqliteServer: RunningServer;
let pgServer: RunningServer;
let admin: { cert: string };
let ca: string;
const made: Made[] = [];
const links: { id: string; target: string }[] = [];
const certs: Record<string, { serial: string; certificate: string }> = {};

/** Headers of a trusted proxy passing `cert` (the servers trust loopback as proxy with the secret). */
function as(cert: string | null): Record<string, string> {
  return cert === null ? {} : { 'x-ssl-client-cert': encodeURIComponent(cert), 'x-proxy-secret': PROXY_SECRET, 'x-forwarded-for': '127.0.0.1' };
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBe(status);
  return JSON.parse(text) as T;
}

function runCli(args: string[], extraEnv: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe.skipIf(skipReason !== null)(`export-to${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    work = new Workdir();
    schema = await createTestSchema(databaseUrl as string);
    const partner = makeSelfSigned(work, 'partner-ca', '/CN=Export Partner CA');
    const external = makeLeaf(work, 'admin', partner, '/CN=export-admin');
    admin = { cert: external.cert };
    env = {
      SEALBIN_MASTER_KEY: MASTER_KEY,
      SEALBIN_TRUSTED_CA_FILE: partner.certPath,
      SEALBIN_ADMINS: fingerprintOf(external.cert),
      SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32',
      SEALBIN_PROXY_SECRET: PROXY_SECRET,
      SEALBIN_REGISTER_DIFFICULTY: '0',
    };
    sqliteServer = await startServer({ env });
  });

  afterAll(async () => {
    await pgServer?.dispose();
    await sqliteServer?.dispose();
    await schema?.drop();
    work?.dispose();
  });

  it('builds 100 items, 10 short links, the CA and 3 certificates on SQLite', async () => {
    const base = sqliteServer.url;
    await json(await fetch(`${base}/pki/ca`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ common_name: 'Export CA', days: 30 }) }), 201);
    for (const name of ['alice', 'bob', 'carol']) {
      const issued = await json<{ serial: string; certificate: string }>(
        await fetch(`${base}/pki/issue`, { method: 'POST', headers: { 'content-type': 'application/json', ...as(admin.cert) }, body: JSON.stringify({ common_name: name, days: 30, admin: name === 'bob' }) }),
        201,
      );
      certs[name] = issued;
    }
    await json(await fetch(`${base}/pki/revoke/${certs['carol']?.serial}`, { method: 'POST', headers: as(admin.cert) }), 200);
    const alice = certs['alice']?.certificate as string;

    for (let n = 0; n < 100; n += 1) {
      // Small ones stay inline in the database, large ones (up to 300 KiB) go to blob files.
      const content = n % 7 === 0 ? randomBytes(70_000 + n * 2000) : Buffer.from(`item ${n} ${randomBytes(16 + n).toString('base64')}`);
      const burn = n % 10 === 3;
      const owner = n % 10 === 5 ? alice : null;
      const headers: Record<string, string> = { ...as(owner), ...(burn ? { 'x-burn-after-read': '1' } : {}), ...(n % 10 === 7 ? { 'x-expiry': '3600' } : {}) };
      if (n % 3 === 0) {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(content)]), `file-${n}.bin`);
        const created = await json<{ id: string; key: string }>(await fetch(`${base}/upload`, { method: 'POST', body: form, headers }), 201);
        made.push({ kind: 'file', id: created.id, key: created.key, content, burn, owner: owner && fingerprintOf(owner) });
      } else {
        const created = await json<{ id: string }>(await fetch(`${base}/`, { method: 'POST', body: new Uint8Array(content), headers: { 'content-type': 'application/octet-stream', ...headers } }), 201);
        made.push({ kind: 'paste', id: created.id, content, burn, owner: owner && fingerprintOf(owner) });
      }
    }
    for (let n = 0; n < 10; n += 1) {
      const target = `https://example.org/export/${n}?q=${randomBytes(4).toString('hex')}`;
      const link = await json<{ id: string; target: string }>(await fetch(`${base}/s`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: target }) }), 201);
      links.push({ id: link.id, target: link.target });
    }
    // Clicks made before the move are part of what moves.
    expect((await fetch(`${base}/s/${links[0]?.id}`, { redirect: 'manual' })).status).toBe(302);
    ca = await (await fetch(`${base}/pki/ca.crt`)).text();
    expect(made).toHaveLength(100);
    expect(made.filter((m) => m.content.length > 65_536).length).toBeGreaterThanOrEqual(10);
    expect(await sqliteServer.stop()).toBe(0);
  }, 90_000);

  it('export-to copies everything into the empty PostgreSQL schema and reports the counts', async () => {
    const result = await runCli(['export-to', '--database-url', schema.url], { SEALBIN_DATA_DIR: sqliteServer.dataDir, SEALBIN_MASTER_KEY: MASTER_KEY, SEALBIN_LOG_LEVEL: 'warn' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/items: 100, short links: 10/);
    expect(result.stdout).toMatch(/CA: 1, certificates: 3, audit events: 5/);
    expect(result.stdout).toMatch(new RegExp(`blobs: ${made.filter((m) => m.content.length > 65_536).length} \\(`));
    // The password of the URL is never printed.
    expect(result.stdout).not.toContain(MASTER_KEY);
  }, 90_000);

  it('a second export into the now-used schema is refused and changes nothing', async () => {
    const result = await runCli(['export-to', `--database-url=${schema.url}`], { SEALBIN_DATA_DIR: sqliteServer.dataDir, SEALBIN_MASTER_KEY: MASTER_KEY, SEALBIN_LOG_LEVEL: 'warn' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^sealbin: the target database is not empty \(.*items: 100/);
  });

  it('a server on PostgreSQL with an empty data dir and the same master key serves every item byte-identical', async () => {
    const emptyDir = makeDataDir();
    rmSync(sqliteServer.dataDir, { recursive: true, force: true });
    pgServer = await startServer({ dataDir: emptyDir, env: { ...env, SEALBIN_DATABASE_URL: schema.url, SEALBIN_SINGLE_INSTANCE: '1' } });
    const base = pgServer.url;
    for (const item of made) {
      const response = item.kind === 'file' ? await fetch(`${base}/download/${item.key}`) : await fetch(`${base}/${item.id}/raw`);
      const body = Buffer.from(await response.arrayBuffer());
      expect(response.status, `${item.kind} ${item.id}`).toBe(200);
      expect(createHash('sha256').update(body).digest('hex'), `${item.kind} ${item.id}`).toBe(createHash('sha256').update(item.content).digest('hex'));
      // A burn-after-read item was burned by that read, there as here.
      if (item.burn) expect((await fetch(`${base}/${item.id}/raw`)).status).toBe(404);
    }
  }, 90_000);

  it('short links resolve with their clicks; the CA and certificates verify; the revoked one stays revoked; alice lists her pastes', async () => {
    const base = pgServer.url;
    for (const link of links) {
      const response = await fetch(`${base}/s/${link.id}`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(link.target);
    }
    expect((await json<{ clicks: number }>(await fetch(`${base}/s/${links[0]?.id}/info`), 200)).clicks).toBe(2);
    expect(await (await fetch(`${base}/pki/ca.crt`)).text()).toBe(ca);
    const caCert = new X509Certificate(ca);
    for (const issued of Object.values(certs)) expect(new X509Certificate(issued.certificate).verify(caCert.publicKey)).toBe(true);
    const listed = await json<{ certificates: { serial: string; status: string }[] }>(await fetch(`${base}/pki/certs`, { headers: as(admin.cert) }), 200);
    expect(Object.fromEntries(listed.certificates.map((c) => [c.serial, c.status]))).toEqual({ [certs['alice']?.serial as string]: 'valid', [certs['bob']?.serial as string]: 'valid', [certs['carol']?.serial as string]: 'revoked' });
    const carol = await fetch(`${base}/pastes`, { headers: as(certs['carol']?.certificate as string) });
    expect(((await carol.json()) as { error_code: string }).error_code).toBe('CERT_REVOKED');
    const alice = certs['alice']?.certificate as string;
    const own = await json<{ pastes: { id: string; owner: string }[] }>(await fetch(`${base}/pastes?limit=200`, { headers: as(alice) }), 200);
    const expected = made.filter((m) => m.owner !== null && !m.burn).map((m) => m.id).sort();
    expect(own.pastes.map((p) => p.id).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThanOrEqual(10);
    // A new certificate from the moved CA works too (its private key moved sealed, and opens).
    const fresh = await json<{ certificate: string }>(await fetch(`${base}/pki/issue`, { method: 'POST', headers: { 'content-type': 'application/json', ...as(admin.cert) }, body: JSON.stringify({ common_name: 'after-move', days: 1 }) }), 201);
    expect(new X509Certificate(fresh.certificate).verify(caCert.publicKey)).toBe(true);
  }, 90_000);
});
