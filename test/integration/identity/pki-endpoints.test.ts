// pki-endpoints (black box, over TLS): the CA bootstrap rule (admin, or a direct loopback request
// while no CA exists), /pki/status, /pki/ca.crt, /pki/issue with and without a CSR (a CSR cannot
// buy CA rights, extra names or a different subject), the PKCS#12 bundle, /pki/certs and
// /pki/revoke, each with its access rule.
// SEALBIN_TRUSTED_PROXIES=127.0.0.1/32: a request from 127.0.0.1 carrying X-Forwarded-For is a
// remote client behind the proxy; direct loopback requests come from 127.0.0.2.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certOf, createPasteAs, expectErr, expectStatus, fingerprintOf, issue, makeCsr, openssl, opensslRun, register, startIdentityServer } from './support.js';
import type { CertView, Client, ClientCert, IdentityServer, Issued, PkiStatus } from './support.js';

const CA_NAME = 'Sealbin Endpoint CA';
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };

let s: IdentityServer;
let local: Client;
let proxy: Client;
let admin: Client;
let user: { issued: Issued; client: Client };
let caPem: string;

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0', SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32' } });
  local = s.client({ localAddress: '127.0.0.2' });
  proxy = s.client({ localAddress: '127.0.0.1' });
  admin = s.as(s.externalAdmin, { localAddress: '127.0.0.2' });
});
afterAll(async () => {
  await s?.dispose();
});

async function status(): Promise<PkiStatus> {
  const reply = await proxy.get('/pki/status', REMOTE);
  expectStatus(reply, 200);
  expect(reply.header('content-type')).toBe('application/json; charset=utf-8');
  return reply.json<PkiStatus>();
}

async function certs(): Promise<CertView[]> {
  const reply = await admin.get('/pki/certs');
  expectStatus(reply, 200);
  return reply.json<{ certificates: CertView[] }>().certificates;
}

function withKey(issued: Issued, key: string): ClientCert {
  return { cert: issued.certificate, key };
}

describe('pki-endpoints: before a CA exists', () => {
  it('GET /pki/status: enabled, no CA, nothing issued', async () => {
    expect(await status()).toEqual({ enabled: true, ca_exists: false, fingerprint: null, common_name: null, expires_at: null, issued: 0, revoked: 0 });
  });

  it('the CA certificate, the CRL, issuing and registering are CA_MISSING', async () => {
    expectErr(await local.get('/pki/ca.crt'), 409, 'CA_MISSING');
    expectErr(await local.get('/pki/crl'), 409, 'CA_MISSING');
    expectErr(await admin.post('/pki/issue', { common_name: 'early' }), 409, 'CA_MISSING');
    expectErr(await local.post('/register', { common_name: 'early' }), 409, 'CA_MISSING');
  });

  it('POST /pki/ca from a remote client (behind the trusted proxy) is 403 and creates nothing', async () => {
    expectErr(await proxy.post('/pki/ca', { common_name: 'Evil CA' }, REMOTE), 403, 'FORBIDDEN');
    expectErr(await proxy.post('/pki/ca', { common_name: 'Evil CA' }, { forwarded: 'for=203.0.113.7;proto=https' }), 403, 'FORBIDDEN');
    expectErr(await proxy.post('/pki/ca', { common_name: 'Evil CA' }, { 'x-real-ip': '203.0.113.7' }), 403, 'FORBIDDEN');
    expect((await status()).ca_exists).toBe(false);
  });

  it('POST /pki/ca from a loopback peer that forwards for someone else (X-Forwarded-For, Forwarded) is 403', async () => {
    expectErr(await local.post('/pki/ca', { common_name: 'Evil CA' }, { 'x-forwarded-for': '198.51.100.1' }), 403, 'FORBIDDEN');
    expectErr(await local.post('/pki/ca', { common_name: 'Evil CA' }, { forwarded: 'for=198.51.100.1' }), 403, 'FORBIDDEN');
    expect((await status()).ca_exists).toBe(false);
  });

  it('POST /pki/ca with an invalid body is 400 and creates nothing', async () => {
    expectErr(await local.post('/pki/ca', { common_name: 'x', days: 0 }), 400, 'INVALID_REQUEST');
    expectErr(await local.post('/pki/ca', { common_name: 'bad\nname' }), 400, 'INVALID_REQUEST');
    expect((await status()).ca_exists).toBe(false);
  });

  it('POST /pki/ca from loopback: 201 with the status fields', async () => {
    const before = Math.floor(Date.now() / 1000);
    const reply = await local.post('/pki/ca', { common_name: CA_NAME, days: 30 });
    expectStatus(reply, 201);
    expect(reply.header('content-type')).toBe('application/json; charset=utf-8');
    const created = reply.json<PkiStatus>();
    caPem = (await local.get('/pki/ca.crt')).text;
    expect(created).toEqual({ enabled: true, ca_exists: true, fingerprint: fingerprintOf(caPem), common_name: CA_NAME, expires_at: expect.any(Number), issued: 0, revoked: 0 });
    expect(created.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(created.expires_at).toBeGreaterThanOrEqual(before + 30 * 86400 - 5);
    expect(created.expires_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * 86400 + 5);
    expect(await status()).toEqual(created);
  });
});

describe('pki-endpoints: the CA', () => {
  it('POST /pki/ca again: 409 CA_EXISTS only for an admin, 403 for everyone else (loopback and bad bodies too); the CA is unchanged', async () => {
    const fingerprint = (await status()).fingerprint;
    // Authorisation before state: an anonymous local caller learns nothing from a 409 or a 400.
    expectErr(await local.post('/pki/ca', { common_name: 'Second CA' }), 403, 'FORBIDDEN');
    expectErr(await local.post('/pki/ca', { common_name: 42, days: -1 }), 403, 'FORBIDDEN');
    expectErr(await admin.post('/pki/ca', { common_name: 'Second CA' }), 409, 'CA_EXISTS');
    expectErr(await proxy.post('/pki/ca', { common_name: 'Second CA' }, REMOTE), 403, 'FORBIDDEN');
    expectErr(await proxy.post('/pki/ca', { days: 'x' }, REMOTE), 403, 'FORBIDDEN');
    const registered = await register(proxy, { common_name: 'not-an-admin', csr: makeCsr(s.work, 'not-an-admin', '/CN=x').csr }, REMOTE);
    const nonAdmin = s.as(withKey(registered, s.work.read('not-an-admin.key')), { localAddress: '127.0.0.1' });
    expectErr(await nonAdmin.post('/pki/ca', { common_name: 'Second CA' }, REMOTE), 403, 'FORBIDDEN');
    expect((await status()).fingerprint).toBe(fingerprint);
    expect((await local.get('/pki/ca.crt')).text).toBe(caPem);
  });

  it('GET /pki/ca.crt: anyone gets the CA certificate as PEM; it is a CA with our name', async () => {
    const reply = await proxy.get('/pki/ca.crt', REMOTE);
    expectStatus(reply, 200);
    expect(reply.header('content-type')).toMatch(/^(application\/(x-pem-file|x-x509-ca-cert|pem-certificate-chain)|text\/plain)/);
    expect(reply.text).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/);
    const text = openssl(['x509', '-noout', '-text'], reply.text);
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toMatch(/Certificate Sign/);
    expect(text).toContain(`Subject: CN = ${CA_NAME}`);
    expect(new X509Certificate(reply.text).ca).toBe(true);
  });
});

describe('pki-endpoints: issuing', () => {
  beforeAll(async () => {
    const csr = makeCsr(s.work, 'plain-user', '/CN=plain-user');
    const issued = await register(local, { common_name: 'plain-user', csr: csr.csr });
    user = { issued, client: s.as(withKey(issued, csr.key)) };
  });

  it('POST /pki/issue: 401 AUTH_REQUIRED anonymously, 403 FORBIDDEN for a non-admin; nothing is issued', async () => {
    const count = (await status()).issued;
    expectErr(await local.post('/pki/issue', { common_name: 'sneaky' }), 401, 'AUTH_REQUIRED');
    expectErr(await user.client.post('/pki/issue', { common_name: 'sneaky', admin: true }), 403, 'FORBIDDEN');
    expect((await status()).issued).toBe(count);
  });

  it('without a CSR: certificate, private key and a PKCS#12 that openssl opens without -legacy', async () => {
    const issued = await issue(admin, { common_name: 'generated', days: 10 });
    expect(issued.serial).toMatch(/^[0-9a-f]+$/);
    expect(issued.fingerprint).toBe(fingerprintOf(issued.certificate));
    expect(issued.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(issued.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n?$/);
    expect(issued.pkcs12).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(issued.pkcs12_password).toEqual(expect.any(String));
    const cert = new X509Certificate(issued.certificate);
    expect(cert.checkPrivateKey(createPrivateKey(issued.private_key as string))).toBe(true);
    expect(BigInt(`0x${cert.serialNumber}`)).toBe(BigInt(`0x${issued.serial}`));

    const p12 = s.work.write('generated.p12', Buffer.from(issued.pkcs12 as string, 'base64'));
    const pass = `pass:${issued.pkcs12_password as string}`;
    const certs = openssl(['pkcs12', '-in', p12, '-passin', pass, '-nokeys']);
    const inside = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certs)?.[0] ?? '';
    expect(fingerprintOf(inside)).toBe(issued.fingerprint);
    const keys = openssl(['pkcs12', '-in', p12, '-passin', pass, '-nocerts', '-nodes']);
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(keys)?.[0] ?? '';
    expect(cert.checkPrivateKey(createPrivateKey(key))).toBe(true);
    // Modern algorithms only (PBES2 with AES, a SHA-2 MAC): nothing of the RC2/3DES/SHA-1 era.
    const infoRun = opensslRun(['pkcs12', '-in', p12, '-passin', pass, '-info', '-noout']);
    expect(infoRun.code, infoRun.stderr).toBe(0);
    const info = infoRun.stdout + infoRun.stderr;
    expect(info).toMatch(/MAC: sha(256|384|512)/i);
    expect(info).toMatch(/PBES2/);
    expect(info).toMatch(/AES-(128|192|256)-CBC/i);
    expect(info).not.toMatch(/RC2|RC4|3DES|des-ede3|pbeWithSHA1|MAC: sha1\b/i);
    // A wrong password does not open it.
    expect(opensslRun(['pkcs12', '-in', p12, '-passin', 'pass:wrong', '-nokeys']).code).not.toBe(0);

    // The answer works as a TLS client identity.
    expect((await createPasteAs(s.as(certOf(issued)), 'generated key')).owner).toBe(issued.fingerprint);
    // And it is a leaf for 10 days.
    expect(new Date(cert.validTo).getTime() / 1000 - Date.now() / 1000).toBeGreaterThan(10 * 86400 - 300);
    expect(new Date(cert.validTo).getTime() / 1000 - Date.now() / 1000).toBeLessThan(10 * 86400 + 300);
  });

  it('with a CSR asking for CA:TRUE, extra names and another subject: only the public key is taken', async () => {
    const csr = makeCsr(s.work, 'ambitious', '/CN=root/O=Evil Corp/OU=Takeover', [
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:5',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-addext', 'subjectAltName=DNS:evil.example,DNS:*.example.com,IP:10.0.0.1,email:root@example.com',
      '-addext', 'extendedKeyUsage=serverAuth,codeSigning,clientAuth',
    ]);
    expect(openssl(['req', '-in', csr.csrPath, '-noout', '-text'])).toMatch(/CA:TRUE/);
    const reply = await admin.post('/pki/issue', { common_name: 'csr-user', days: 5, csr: csr.csr });
    expectStatus(reply, 201);
    const issued = reply.json<Issued>();
    expect(Object.keys(issued).sort()).toEqual(['certificate', 'fingerprint', 'serial']);
    expect(reply.text).not.toContain('PRIVATE KEY');

    const certPath = s.work.write('csr-user.crt', issued.certificate);
    const text = openssl(['x509', '-in', certPath, '-noout', '-text']);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).not.toMatch(/CA:TRUE/);
    expect(text).toMatch(/TLS Web Client Authentication/);
    expect(text).not.toMatch(/TLS Web Server Authentication|Code Signing/);
    expect(text).not.toMatch(/Certificate Sign|CRL Sign/);
    expect(text).not.toMatch(/Subject Alternative Name|evil\.example|10\.0\.0\.1/);
    expect(openssl(['x509', '-in', certPath, '-noout', '-subject', '-nameopt', 'RFC2253']).trim()).toBe('subject=CN=csr-user');
    const caSubject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], caPem).replace(/^subject=/, '').trim();
    expect(openssl(['x509', '-in', certPath, '-noout', '-issuer', '-nameopt', 'RFC2253']).trim()).toBe(`issuer=${caSubject}`);
    // Its public key is the CSR's.
    expect(openssl(['x509', '-in', certPath, '-noout', '-pubkey'])).toBe(openssl(['req', '-in', csr.csrPath, '-noout', '-pubkey']));
    // The requester's own key makes it a working identity.
    expect((await createPasteAs(s.as({ cert: issued.certificate, key: csr.key }), 'csr key')).owner).toBe(issued.fingerprint);
    // Not admin.
    expectErr(await s.as({ cert: issued.certificate, key: csr.key }).get('/pki/certs'), 403, 'FORBIDDEN');
  });

  it('a leaf never outlives the CA (days beyond the CA\'s validity are capped)', async () => {
    const csr = makeCsr(s.work, 'long-lived', '/CN=long-lived');
    const issued = await issue(admin, { common_name: 'long-lived', days: 3650, csr: csr.csr });
    const leafEnd = new Date(new X509Certificate(issued.certificate).validTo).getTime();
    const caEnd = new Date(new X509Certificate(caPem).validTo).getTime();
    expect(leafEnd).toBeLessThanOrEqual(caEnd);
    const listed = (await certs()).find((c) => c.serial === issued.serial);
    expect(listed?.expires_at).toBe(Math.floor(leafEnd / 1000));
  });

  it('the common name is one RDN value: "x, O=evil" does not inject an O attribute', async () => {
    const csr = makeCsr(s.work, 'injector', '/CN=injector');
    const issued = await issue(admin, { common_name: 'x, O=evil', csr: csr.csr });
    const fields = openssl(['x509', '-noout', '-subject', '-nameopt', 'multiline'], issued.certificate);
    expect(fields).toMatch(/commonName\s*=\s*x, O=evil/);
    expect(fields).not.toMatch(/organizationName/);
  });

  it('a bad CSR is 400 INVALID_CSR and issues nothing', async () => {
    const count = (await status()).issued;
    expectErr(await admin.post('/pki/issue', { common_name: 'bad', csr: 'not a csr' }), 400, 'INVALID_CSR');
    const good = makeCsr(s.work, 'tampered', '/CN=tampered');
    const der = Buffer.from(good.csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 1] = (der[der.length - 1] as number) ^ 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    expectErr(await admin.post('/pki/issue', { common_name: 'bad', csr: tampered }), 400, 'INVALID_CSR');
    // A certificate is no CSR.
    expectErr(await admin.post('/pki/issue', { common_name: 'bad', csr: caPem }), 400, 'INVALID_CSR');
    expect((await status()).issued).toBe(count);
  });

  it.each([
    ['no common_name', { days: 1 }],
    ['an empty common_name', { common_name: '  ' }],
    ['a control character', { common_name: 'a\u0000b' }],
    ['a newline', { common_name: 'a\nb' }],
    ['a bidi override', { common_name: 'a\u202eb' }],
    ['a 65-character name', { common_name: 'x'.repeat(65) }],
    ['days 0', { common_name: 'x', days: 0 }],
    ['days 3651', { common_name: 'x', days: 3651 }],
    ['fractional days', { common_name: 'x', days: 1.5 }],
    ['admin as a string', { common_name: 'x', admin: 'yes' }],
  ])('POST /pki/issue with %s is 400 INVALID_REQUEST', async (_name, body) => {
    const count = (await status()).issued;
    expectErr(await admin.post('/pki/issue', body), 400, 'INVALID_REQUEST');
    expect((await status()).issued).toBe(count);
  });

  it('a certificate issued with admin:true is an admin', async () => {
    const csr = makeCsr(s.work, 'deputy', '/CN=deputy');
    const issued = await issue(admin, { common_name: 'deputy', admin: true, csr: csr.csr });
    const deputy = s.as({ cert: issued.certificate, key: csr.key });
    expectStatus(await deputy.get('/pki/certs'), 200);
    const further = await issue(deputy, { common_name: 'deputy-made', csr: makeCsr(s.work, 'deputy-made', '/CN=y').csr });
    expect(further.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await certs()).find((c) => c.serial === issued.serial)).toMatchObject({ admin: true, common_name: 'deputy' });
    expect((await certs()).find((c) => c.serial === further.serial)).toMatchObject({ admin: false });
  });
});

describe('pki-endpoints: listing and revoking', () => {
  it('GET /pki/certs: 401 anonymously, 403 for a non-admin', async () => {
    expectErr(await local.get('/pki/certs'), 401, 'AUTH_REQUIRED');
    expectErr(await user.client.get('/pki/certs'), 403, 'FORBIDDEN');
  });

  it('GET /pki/certs (admin): every issued certificate with the contract\'s fields', async () => {
    const list = await certs();
    expect(list.length).toBe((await status()).issued);
    for (const cert of list) {
      expect(Object.keys(cert).sort()).toEqual(['admin', 'common_name', 'expires_at', 'fingerprint', 'issued_at', 'revoked_at', 'serial', 'status']);
      expect(cert.serial).toMatch(/^[0-9a-f]+$/);
      expect(cert.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(cert.status).toBe('valid');
      expect(cert.revoked_at).toBeNull();
      expect(cert.expires_at).toBeGreaterThan(cert.issued_at);
    }
    const mine = list.find((c) => c.serial === user.issued.serial);
    expect(mine).toMatchObject({ fingerprint: user.issued.fingerprint, common_name: 'plain-user', admin: false, status: 'valid' });
    // Nothing in the list leaks key material.
    expect(JSON.stringify(list)).not.toMatch(/PRIVATE KEY|pkcs12/i);
  });

  it('POST /pki/revoke: 401 anonymously, 403 for a non-admin (even for their own), 404 for an unknown or malformed serial', async () => {
    expectErr(await local.post(`/pki/revoke/${user.issued.serial}`), 401, 'AUTH_REQUIRED');
    expectErr(await user.client.post(`/pki/revoke/${user.issued.serial}`), 403, 'FORBIDDEN');
    expectErr(await admin.post(`/pki/revoke/${'0'.repeat(31)}1`), 404, 'NOT_FOUND');
    expectErr(await admin.post('/pki/revoke/not-hex'), 404, 'NOT_FOUND');
    expectErr(await admin.post(`/pki/revoke/${'a'.repeat(100)}`), 404, 'NOT_FOUND');
    expect((await status()).revoked).toBe(0);
    expectStatus(await user.client.get('/pastes'), 200);
  });

  it('POST /pki/revoke (admin): the certificate is revoked in the list, the status counts and for its holder', async () => {
    const reply = await admin.post(`/pki/revoke/${user.issued.serial.toUpperCase()}`);
    expectStatus(reply, 200);
    const view = reply.json<CertView>();
    expect(view).toMatchObject({ serial: user.issued.serial, fingerprint: user.issued.fingerprint, status: 'revoked' });
    expect(view.revoked_at).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 5);
    expect((await certs()).find((c) => c.serial === user.issued.serial)).toMatchObject({ status: 'revoked', revoked_at: view.revoked_at });
    const current = await status();
    expect(current.revoked).toBe(1);
    expect(current.issued).toBe((await certs()).length);
    expectErr(await user.client.get('/pastes'), 401, 'CERT_REVOKED');
    // Revoking again changes nothing.
    const again = await admin.post(`/pki/revoke/${user.issued.serial}`);
    expectStatus(again, 200);
    expect(again.json<CertView>()).toMatchObject({ status: 'revoked', revoked_at: view.revoked_at });
    expect((await status()).revoked).toBe(1);
  });
});
