// pki-across-instances (black box): two server processes on one shared store answer PKI questions as
// one server. A CA created through A is advertised in B's TLS handshake (B finds it by polling the
// store, src/ops/ca-watch.ts), certificates it issues work on B, a revocation made on A is refused by
// B on the very next request of a kept-alive connection, and both instances write their PKI events to
// the shared audit table (no key material in it).
// It runs twice: on the SQLite database of one shared data dir (two processes, WAL), and on one
// PostgreSQL schema + one Redis prefix with a data dir each (skipped without TEST_DATABASE_URL and
// TEST_REDIS_URL).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { deletePrefix } from '../../storage/counter-store-redis-adapter.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { Client, acceptableClientCas, createCa, expectErr, expectStatus, fingerprintOf, makeCsr, opensslRun, register, startIdentityServer } from '../identity/support.js';
import type { IdentityServer } from '../identity/support.js';

const hasOpenssl = opensslRun(['version']).code === 0;
const databaseUrl = testDatabaseUrl();
const redisUrl = process.env['TEST_REDIS_URL'] || null;

interface Backend {
  name: string;
  skip: string | null;
  /** Environment for both instances, and whether B shares A's data dir; sets up `auditRows`. */
  setUp(): Promise<{ env: Record<string, string>; shareDataDir: boolean }>;
  auditRows(dataDir: string): Promise<Record<string, unknown>[]>;
  tearDown(): Promise<void>;
}

let schema: TestSchema | undefined;
let redis: Redis | undefined;
const prefix = `sealbin-pki-${randomBytes(4).toString('hex')}:`;

const backends: Backend[] = [
  {
    name: 'SQLite, one data dir',
    skip: null,
    setUp: async () => ({ env: {}, shareDataDir: true }),
    auditRows: async (dataDir) => {
      const db = new BetterSqlite3(join(dataDir, 'sealbin.db'), { readonly: true });
      try {
        return db.prepare('select * from pki_audit order by seq').all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
    tearDown: async () => undefined,
  },
  {
    name: 'PostgreSQL + Redis, a data dir each',
    skip: !databaseUrl ? NO_DATABASE : !redisUrl ? 'TEST_REDIS_URL is not set' : null,
    setUp: async () => {
      schema = await createTestSchema(databaseUrl as string);
      redis = new Redis(redisUrl as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      return { env: { SEALBIN_DATABASE_URL: schema.url, SEALBIN_REDIS_URL: redisUrl as string, SEALBIN_REDIS_PREFIX: prefix, SEALBIN_MASTER_KEY: randomBytes(32).toString('hex') }, shareDataDir: false };
    },
    auditRows: async () => {
      const client = new pg.Client({ connectionString: (schema as TestSchema).url });
      await client.connect();
      try {
        return (await client.query('select * from pki_audit order by seq')).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    tearDown: async () => {
      await schema?.drop();
      if (redis) {
        await deletePrefix(redis, prefix);
        redis.disconnect();
      }
    },
  },
];

describe.each(backends)('pki-across-instances on $name', (backend) => {
  let a: IdentityServer;
  let b: RunningServer;
  const clients: Client[] = [];

  function clientOf(url: string, cert?: { cert: string; key: string }): Client {
    const client = new Client(url, { ca: a.serverCa as string, ...(cert ? { cert } : {}) });
    clients.push(client);
    return client;
  }

  const skip = !hasOpenssl ? 'the openssl CLI is not installed' : backend.skip;
  describe.skipIf(skip !== null)(`two instances${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(async () => {
      const { env, shareDataDir } = await backend.setUp();
      a = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0', ...env } });
      // B: the same configuration (and on SQLite the same data dir: the same database and key file).
      b = await startServer({
        ...(shareDataDir ? { dataDir: a.server.dataDir } : {}),
        env: {
          SEALBIN_REGISTER_DIFFICULTY: '0',
          SEALBIN_TRUSTED_CA_FILE: a.trustedCa.certPath,
          SEALBIN_ADMINS: fingerprintOf(a.externalAdmin.cert),
          SEALBIN_TLS_CERT: a.serverCaPath as string,
          SEALBIN_TLS_KEY: a.work.path('server.key'),
          ...env,
        },
      });
    }, 90_000);
    afterAll(async () => {
      for (const client of clients) client.close();
      // B first, and without removing a data dir A may still use.
      if (b) expect(await b.stop()).toBe(0);
      await a?.dispose();
      await backend.tearDown();
    });

    it('a CA created on A is advertised by B within the poll interval, without a restart of B', async () => {
      const before = acceptableClientCas(b.url, a.serverCaPath as string);
      expect(before.some((name) => name.includes('Partner Org CA'))).toBe(true);
      expect(before.some((name) => name.includes('Multi Test CA'))).toBe(false);
      await createCa(a.client(), 'Multi Test CA');
      // CA_POLL_MS is 5 s; a loaded machine gets 6 times that.
      await waitFor(() => acceptableClientCas(b.url, a.serverCaPath as string).some((name) => name.includes('Multi Test CA')), "B's handshake naming the CA made on A", { timeoutMs: 30_000, intervalMs: 500 });
      await b.waitForLog((line) => line.msg === 'TLS now advertises the built-in CA to clients', 'B logging the refreshed CA list');
    });

    it('a certificate registered on A works on B, and its revocation on A is refused by B on the next request', async () => {
      const csr = makeCsr(a.work, 'erin', '/CN=erin');
      const issued = await register(a.client(), { common_name: 'erin', csr: csr.csr });
      const erinOnB = clientOf(b.url, { cert: issued.certificate, key: csr.key });
      const listed = await erinOnB.get('/pastes');
      expectStatus(listed, 200);
      const created = await erinOnB.paste('made on B by a certificate from A');
      expectStatus(created, 201);
      expect(created.json<{ owner: string }>().owner).toBe(fingerprintOf(issued.certificate));

      expectStatus(await a.as(a.externalAdmin).post(`/pki/revoke/${issued.serial}`), 200);
      const after = await erinOnB.get('/pastes');
      expect(after.reusedSocket, 'the same kept-alive connection').toBe(true);
      expectErr(after, 401, 'CERT_REVOKED');
      expectErr(await clientOf(b.url, { cert: issued.certificate, key: csr.key }).get('/pastes'), 401, 'CERT_REVOKED');
    });

    it('PKI events from both instances land in the shared audit table, in order, without key material', async () => {
      const issuedOnB = await clientOf(b.url, a.externalAdmin).post('/pki/issue', { common_name: 'made-on-b', days: 2 });
      expectStatus(issuedOnB, 201);
      const serialOnB = issuedOnB.json<{ serial: string }>().serial;
      const rows = await backend.auditRows(a.server.dataDir);
      expect(rows.map((row) => row['event'])).toEqual(['ca_created', 'registered', 'revoked', 'issued']);
      expect(rows[0]).toMatchObject({ actor: 'loopback', common_name: 'Multi Test CA' });
      expect(rows[2]).toMatchObject({ actor: fingerprintOf(a.externalAdmin.cert) });
      expect(rows[3]).toMatchObject({ serial: serialOnB, common_name: 'made-on-b' });
      for (const row of rows) expect(typeof row['request_id']).toBe('string');
      expect(JSON.stringify(rows)).not.toMatch(/PRIVATE KEY|pkcs12|BEGIN/i);
    });
  });
});
