// expired-certs: a certificate past its notAfter (or before its notBefore) is refused with 401
// CERT_EXPIRED, on new and on kept-alive TLS connections, directly and via trusted-proxy headers.
// The server process would use the real clock, so this suite runs the real server in-process
// (openServer + real TLS listener) with an injected clock that only moves when told.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { openServer } from '../../../src/server.js';
import type { Server } from '../../../src/server.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';
import { PERMISSIVE } from '../../helpers/server.js';
import { Client, Workdir, createCa, createPasteAs, expectErr, expectStatus, fingerprintOf, issue, makeCsr, makeLeaf, makeSelfSigned, makeServerTls, register, sha1Of } from './support.js';
import type { CertView, ClientCert, Issued, KeyPair } from './support.js';

const DAY = 86_400;
const PROXY_SECRET = 'expired-certs-proxy-secret';

let work: Workdir;
let dataDir: string;
let server: Server;
let clock: FakeClock;
let base: string;
let serverTls: KeyPair;
let externalAdmin: KeyPair;
let trustedCa: KeyPair;
const clients: Client[] = [];
let start: number;

function client(cert?: ClientCert): Client {
  const made = new Client(base, { ca: serverTls.cert, ...(cert ? { cert } : {}) });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  work = new Workdir();
  dataDir = mkdtempSync(join(tmpdir(), 'sealbin-test-'));
  serverTls = makeServerTls(work);
  trustedCa = makeSelfSigned(work, 'trusted-ca', '/CN=Partner Org CA/O=Partner');
  externalAdmin = makeLeaf(work, 'external-admin', trustedCa, '/CN=ops-admin');
  const config = loadConfig({
    ...PERMISSIVE,
    SEALBIN_DATA_DIR: dataDir,
    SEALBIN_TLS_CERT: serverTls.certPath,
    SEALBIN_TLS_KEY: serverTls.keyPath,
    SEALBIN_TRUSTED_CA_FILE: trustedCa.certPath,
    SEALBIN_ADMINS: fingerprintOf(externalAdmin.cert),
    SEALBIN_REGISTER_DIFFICULTY: '0',
    // The TLS client without a certificate below also plays a trusted reverse proxy.
    SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32',
    SEALBIN_PROXY_SECRET: PROXY_SECRET,
    SEALBIN_MAX_EXPIRY: '0',
    SEALBIN_DEFAULT_EXPIRY: '0',
  });
  start = Math.floor(Date.now() / 1000);
  clock = fakeClock(start);
  server = await openServer(config, createLogger('silent'), { clock });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  base = `https://127.0.0.1:${address.port}`;
  // CA bootstrap from loopback. The server also sees 127.0.0.1 as a trusted proxy, so "direct" here
  // means a different loopback address.
  const local = new Client(base, { ca: serverTls.cert, localAddress: '127.0.0.2' });
  clients.push(local);
  await createCa(local);
});
afterAll(async () => {
  for (const made of clients) made.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
  work?.dispose();
});

async function issueWithCsr(name: string, days: number): Promise<{ issued: Issued; cert: ClientCert }> {
  const csr = makeCsr(work, name, `/CN=${name}`);
  const issued = await issue(client(externalAdmin), { common_name: name, days, csr: csr.csr });
  return { issued, cert: { cert: issued.certificate, key: csr.key } };
}

describe('expired-certs', () => {
  it('a 1-day certificate works within its validity and is CERT_EXPIRED after it, kept-alive connection included', async () => {
    clock.set(start);
    const { issued, cert } = await issueWithCsr('short-lived', 1);
    const user = client(cert);
    const created = await createPasteAs(user, 'while valid');
    expect(created.owner).toBe(fingerprintOf(issued.certificate));

    clock.advance(DAY - 120);
    const stillValid = await user.paste('just before notAfter');
    expectStatus(stillValid, 201);

    clock.advance(300);
    const late = await user.get('/pastes');
    expect(late.reusedSocket).toBe(true);
    expect(late.connection).toBe(stillValid.connection);
    expectErr(late, 401, 'CERT_EXPIRED');
    expectErr(await user.paste('after notAfter'), 401, 'CERT_EXPIRED');
    // Never silently anonymous, not even for public endpoints.
    expectErr(await user.get('/pki/status'), 401, 'CERT_EXPIRED');
    // A new connection too.
    expectErr(await client(cert).get('/pastes'), 401, 'CERT_EXPIRED');

    // The admin view calls it expired (not revoked).
    const listed = await client(externalAdmin).get('/pki/certs');
    expectStatus(listed, 200);
    const view = listed.json<{ certificates: CertView[] }>().certificates.find((c) => c.serial === issued.serial);
    expect(view).toMatchObject({ status: 'expired', revoked_at: null });
  });

  it('a certificate before its notBefore (clock set back) is CERT_EXPIRED, and valid again once time catches up', async () => {
    clock.set(start + 10 * DAY);
    const { cert } = await issueWithCsr('not-yet', 5);
    clock.set(start + 10 * DAY - 3600);
    expectErr(await client(cert).get('/pastes'), 401, 'CERT_EXPIRED');
    clock.set(start + 10 * DAY + 5);
    expectStatus(await client(cert).get('/pastes'), 200);
  });

  it('a registered certificate expires too', async () => {
    clock.set(start + 20 * DAY);
    const csr = makeCsr(work, 'registered', '/CN=registered');
    const issued = await register(client(), { common_name: 'registered', csr: csr.csr });
    const cert = { cert: issued.certificate, key: csr.key };
    expectStatus(await client(cert).get('/pastes'), 200);
    // Registration is 365 days, capped by the CA's own validity (30 days in these tests).
    const notAfter = Math.floor(new Date(new X509Certificate(issued.certificate).validTo).getTime() / 1000);
    clock.set(notAfter - 60);
    expectStatus(await client(cert).get('/pastes'), 200);
    clock.set(notAfter + 1);
    expectErr(await client(cert).get('/pastes'), 401, 'CERT_EXPIRED');
  });

  it('via a trusted proxy: an expired certificate in X-SSL-Client-Cert or X-SSL-Client-SHA1 is CERT_EXPIRED', async () => {
    clock.set(start + 2 * DAY);
    const { issued } = await issueWithCsr('proxied-user', 1);
    const proxy = client();
    const byPem = { 'x-ssl-client-cert': encodeURIComponent(issued.certificate), 'x-proxy-secret': PROXY_SECRET };
    const bySha1 = { 'x-ssl-client-sha1': sha1Of(issued.certificate), 'x-proxy-secret': PROXY_SECRET };
    expect((await proxy.get('/pastes', byPem)).status).toBe(200);
    expect((await proxy.get('/pastes', bySha1)).status).toBe(200);
    clock.advance(DAY + 60);
    expectErr(await proxy.get('/pastes', byPem), 401, 'CERT_EXPIRED');
    expectErr(await proxy.get('/pastes', bySha1), 401, 'CERT_EXPIRED');
  });

  it('a leaf from SEALBIN_TRUSTED_CA_FILE past its notAfter is CERT_EXPIRED', async () => {
    // openssl dates the leaf from the real clock (notBefore = now).
    const now = Math.floor(Date.now() / 1000) + 5;
    const leaf = makeLeaf(work, 'partner-user', trustedCa, '/CN=partner-user', 1);
    clock.set(now);
    const partner = client(leaf);
    expectStatus(await partner.get('/pastes'), 200);
    clock.set(now + 2 * DAY);
    expectErr(await partner.get('/pastes'), 401, 'CERT_EXPIRED');
  });
});
