// tls-client-certs (black box): TLS terminated in the server, client certificates presented in the
// handshake by Node's https client. A certificate the server issued (or one from
// SEALBIN_TRUSTED_CA_FILE) is an identity whose owner is its SHA-256 fingerprint; no certificate is
// anonymous; a foreign CA's leaf, a self-signed look-alike of our CA, a leaf signed by a look-alike
// CA, a CA certificate and a revoked certificate are refused with 401, never downgraded to anonymous.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptableClientCas, certOf, createCa, createPasteAs, expectErr, expectStatus, fingerprintOf, issue, makeCsr, makeLeaf, makeSelfSigned, openssl, register, sClient, startIdentityServer } from './support.js';
import type { Client, ClientCert, IdentityServer, Issued, KeyPair, PasteView } from './support.js';

const CA_NAME = 'Sealbin Test CA';

let s: IdentityServer;
let anon: Client;
let admin: Client;
let caPem: string;
let alice: { issued: Issued; cert: ClientCert };
let foreignLeaf: KeyPair;
let selfSignedLookAlike: KeyPair;
let lookAlikeLeaf: KeyPair;
let lookAlikeCa: KeyPair;

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0' } });
  anon = s.client();
  admin = s.as(s.externalAdmin);
  caPem = await createCa(anon, CA_NAME);
  // Alice registers with her own key (a CSR): the usual way to get a certificate.
  const csr = makeCsr(s.work, 'alice', '/CN=alice');
  const issued = await register(anon, { common_name: 'alice', csr: csr.csr });
  alice = { issued, cert: { cert: issued.certificate, key: csr.key } };

  const foreignCa = makeSelfSigned(s.work, 'foreign-ca', '/CN=Some Other CA/O=Elsewhere');
  foreignLeaf = makeLeaf(s.work, 'foreign-leaf', foreignCa, '/CN=alice');
  // Our CA's exact name, as subject and issuer of a self-signed leaf, and as the name of a CA that signs a leaf.
  selfSignedLookAlike = makeSelfSigned(s.work, 'lookalike-self', `/CN=${CA_NAME}/O=Sealbin`, { ca: false });
  lookAlikeCa = makeSelfSigned(s.work, 'lookalike-ca', `/CN=${CA_NAME}/O=Sealbin`);
  lookAlikeLeaf = makeLeaf(s.work, 'lookalike-leaf', lookAlikeCa, '/CN=alice');
});
afterAll(async () => {
  await s?.dispose();
});

/** How many items exist (admin's view), to show a refused request stored nothing. */
async function itemCount(): Promise<number> {
  const reply = await admin.get('/pastes?all=1&limit=200');
  expectStatus(reply, 200);
  return reply.json<{ pastes: PasteView[] }>().pastes.length;
}

/** A refused certificate: 401 with `code` on a creation, a public read and an identity-only route. */
async function expectRefused(client: Client, code: string): Promise<void> {
  const before = await itemCount();
  expectErr(await client.paste('must not be stored'), 401, code);
  expectErr(await client.get('/pki/status'), 401, code);
  expectErr(await client.get('/pastes'), 401, code);
  expect(await itemCount()).toBe(before);
}

describe('tls-client-certs: identities', () => {
  it('the server listens with TLS and answers with HSTS', async () => {
    const reply = await anon.get('/');
    expectStatus(reply, 200);
    const hsts = reply.header('strict-transport-security') ?? '';
    const maxAge = /max-age=(\d+)/.exec(hsts);
    expect(maxAge, hsts).not.toBeNull();
    expect(Number(maxAge?.[1])).toBeGreaterThan(0);
    // And on errors too.
    const missing = await anon.get('/0123456789abcdef0123456789abcdef');
    expect(missing.status).toBe(404);
    expect(missing.header('strict-transport-security')).toBe(hsts);
    // And on the 431 the HTTP parser answers by itself (headers over 16 KiB), written outside Fastify.
    const oversized = await anon.get('/', { 'x-padding': 'a'.repeat(20 * 1024) });
    expect(oversized.status).toBe(431);
    expect(oversized.header('strict-transport-security')).toBe(hsts);
    expect(oversized.header('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('no certificate: anonymous (owner null, a delete token, no listing)', async () => {
    const created = await createPasteAs(anon, 'anonymous over TLS');
    expect(created.owner).toBeNull();
    expect(created.delete_token).toEqual(expect.any(String));
    expect(created.url.startsWith(`${s.url}/`)).toBe(true);
    expectErr(await anon.get('/pastes'), 401, 'AUTH_REQUIRED');
  });

  it('a certificate the server issued: owner is its SHA-256 fingerprint', async () => {
    const fp = fingerprintOf(alice.issued.certificate);
    expect(alice.issued.fingerprint).toBe(fp);
    const client = s.as(alice.cert);
    const created = await createPasteAs(client, 'alice over TLS');
    expect(created.owner).toBe(fp);
    expect(created).not.toHaveProperty('delete_token');
    const listed = await client.get('/pastes');
    expectStatus(listed, 200);
    expect(listed.json<{ pastes: PasteView[] }>().pastes.map((p) => p.id)).toEqual([created.id]);
    // The metadata of the paste shows the same owner to anyone.
    const meta = await anon.get(`/${created.id}`);
    expect(meta.json<PasteView>().owner).toBe(fp);
  });

  it('a certificate with a server-generated key (admin issue) works as issued', async () => {
    const issued = await issue(admin, { common_name: 'bob', days: 2 });
    const created = await createPasteAs(s.as(certOf(issued)), 'bob over TLS');
    expect(created.owner).toBe(fingerprintOf(issued.certificate));
    expect(created.owner).toBe(issued.fingerprint);
  });

  it('a leaf from the CA in SEALBIN_TRUSTED_CA_FILE is an identity (admin via SEALBIN_ADMINS)', async () => {
    const created = await createPasteAs(admin, 'partner admin');
    expect(created.owner).toBe(fingerprintOf(s.externalAdmin.cert));
    expectStatus(await admin.get('/pki/certs'), 200);
  });

  it('the handshake advertises our CA (created after startup) and the trusted CA as acceptable issuers', () => {
    const names = acceptableClientCas(s.url, s.serverCaPath as string);
    expect(names).toContain(`CN = ${CA_NAME}, O = Sealbin`);
    expect(names).toContain('CN = Partner Org CA, O = Partner');
  });

  it('another TLS stack (openssl s_client) presenting the certificate gets the same identity', () => {
    const keyPath = s.work.write('alice-sclient.key', alice.cert.key);
    const certPath = s.work.write('alice-sclient.crt', alice.cert.cert);
    const { port } = new URL(s.url);
    const request = `GET /pastes HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    const result = sClient(s.url, s.serverCaPath as string, ['-cert', certPath, '-key', keyPath], request);
    expect(result.stdout, result.stderr).toMatch(/^HTTP\/1\.1 200 /);
    expect(result.stdout).toContain(`"owner":"${alice.issued.fingerprint}"`);
    const anonymous = sClient(s.url, s.serverCaPath as string, [], request);
    expect(anonymous.stdout).toMatch(/^HTTP\/1\.1 401 /);
    expect(anonymous.stdout).toContain('AUTH_REQUIRED');
  });

  it('two identities over two connections stay apart', async () => {
    const [a, b] = await Promise.all([createPasteAs(s.as(alice.cert), 'a'), createPasteAs(admin, 'b')]);
    expect(a.owner).toBe(alice.issued.fingerprint);
    expect(b.owner).toBe(fingerprintOf(s.externalAdmin.cert));
  });
});

describe('tls-client-certs: refused certificates are 401, never anonymous', () => {
  it('a leaf from a foreign CA: CERT_UNTRUSTED', async () => {
    await expectRefused(s.as(foreignLeaf), 'CERT_UNTRUSTED');
  });

  it('a self-signed look-alike with our CA\'s subject and issuer name: CERT_UNTRUSTED', async () => {
    const ours = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], caPem).replace(/^subject=/, '').trim();
    const fake = openssl(['x509', '-noout', '-subject', '-issuer', '-nameopt', 'RFC2253', '-in', selfSignedLookAlike.certPath]);
    expect(fake).toBe(`subject=${ours}\nissuer=${ours}\n`);
    await expectRefused(s.as(selfSignedLookAlike), 'CERT_UNTRUSTED');
  });

  it('a leaf signed by a look-alike CA with our CA\'s name: CERT_UNTRUSTED', async () => {
    const ours = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], caPem).replace(/^subject=/, '').trim();
    expect(openssl(['x509', '-noout', '-issuer', '-nameopt', 'RFC2253', '-in', lookAlikeLeaf.certPath]).trim()).toBe(`issuer=${ours}`);
    await expectRefused(s.as(lookAlikeLeaf), 'CERT_UNTRUSTED');
  });

  it('the look-alike CA certificate itself: CERT_UNTRUSTED', async () => {
    await expectRefused(s.as(lookAlikeCa), 'CERT_UNTRUSTED');
  });

  it('a CA certificate from SEALBIN_TRUSTED_CA_FILE is no client identity: CERT_UNTRUSTED', async () => {
    await expectRefused(s.as(s.trustedCa), 'CERT_UNTRUSTED');
  });

  it('a revoked certificate on a new connection: CERT_REVOKED', async () => {
    const csr = makeCsr(s.work, 'mallory', '/CN=mallory');
    const issued = await register(anon, { common_name: 'mallory', csr: csr.csr });
    const cert = { cert: issued.certificate, key: csr.key };
    expect((await createPasteAs(s.as(cert), 'before revocation')).owner).toBe(issued.fingerprint);
    expectStatus(await admin.post(`/pki/revoke/${issued.serial}`), 200);
    await expectRefused(s.as(cert), 'CERT_REVOKED');
  });

  it('the anonymous and valid clients are unaffected by the refusals', async () => {
    expect((await createPasteAs(anon, 'still anonymous')).owner).toBeNull();
    expect((await createPasteAs(s.as(alice.cert), 'still alice')).owner).toBe(alice.issued.fingerprint);
  });
});
