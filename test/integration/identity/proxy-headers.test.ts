// proxy-headers (black box): behind a TLS-terminating reverse proxy the client certificate arrives
// in X-SSL-Client-Cert (URL-escaped PEM) or X-SSL-Client-SHA1. These headers are believed only from a
// peer in SEALBIN_TRUSTED_PROXIES that sends the right X-Proxy-Secret, so only when
// SEALBIN_PROXY_SECRET is set (a certificate and its SHA-1 are public: a proxy passing the client's own
// header through would let anyone be an admin); from anyone else they are ignored (anonymous).
// Peers are chosen with localAddress: 127.0.0.1 is the proxy, 127.0.0.2 a direct client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createPasteAs, expectErr, expectStatus, fingerprintOf, makeCsr, makeLeaf, makeSelfSigned, register, sha1Of, startIdentityServer } from './support.js';
import type { Client, IdentityServer, Issued, PasteView } from './support.js';

const PROXY = '127.0.0.1';
const DIRECT = '127.0.0.2';
const SECRET = 'proxy-secret-0123456789abcdef';

interface Setup {
  s: IdentityServer;
  /** The proxy as configured: it sends X-Proxy-Secret whenever the server has one. */
  proxy: Client;
  /** The trusted proxy's address without the secret. */
  proxyWithoutSecret: Client;
  direct: Client;
  alice: Issued;
}

async function setup(env: Record<string, string>): Promise<Setup> {
  const s = await startIdentityServer({ tls: false, env: { SEALBIN_REGISTER_DIFFICULTY: '0', ...env } });
  const direct = s.client({ localAddress: DIRECT });
  const secret = env['SEALBIN_PROXY_SECRET'];
  const proxy = s.client({ localAddress: PROXY, ...(secret ? { headers: { 'x-proxy-secret': secret } } : {}) });
  const proxyWithoutSecret = s.client({ localAddress: PROXY });
  await createCa(direct);
  const alice = await register(direct, { common_name: 'alice', csr: makeCsr(s.work, 'alice', '/CN=alice').csr });
  return { s, proxy, proxyWithoutSecret, direct, alice };
}

let open: Setup;
/** Trusted proxy, no secret: certificate headers are ignored. */
let bare: Setup;
/** Trusted proxy with SEALBIN_PROXY_SECRET: the deployment that carries identities. */
let proxied: Setup;

beforeAll(async () => {
  [open, bare, proxied] = await Promise.all([
    setup({}),
    setup({ SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32' }),
    setup({ SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32', SEALBIN_PROXY_SECRET: SECRET }),
  ]);
});
afterAll(async () => {
  await Promise.all([open, bare, proxied].filter(Boolean).map((x) => x.s.dispose()));
});

const certHeader = (pem: string) => ({ 'x-ssl-client-cert': encodeURIComponent(pem) });
const sha1Header = (pem: string) => ({ 'x-ssl-client-sha1': sha1Of(pem) });

async function ownerOf(client: Client, headers: Record<string, string>): Promise<string | null> {
  return (await createPasteAs(client, `owner probe ${Math.random()}`, headers)).owner;
}

describe('proxy-headers: from a trusted proxy with SEALBIN_PROXY_SECRET', () => {
  it('X-SSL-Client-Cert (URL-escaped PEM) of an issued certificate is that identity', async () => {
    const { proxy, alice } = proxied;
    expect(await ownerOf(proxy, certHeader(alice.certificate))).toBe(fingerprintOf(alice.certificate));
    const listed = await proxy.get('/pastes', certHeader(alice.certificate));
    expectStatus(listed, 200);
    expect(listed.json<{ pastes: PasteView[] }>().pastes.every((p) => p.owner === alice.fingerprint)).toBe(true);
  });

  it('nginx\'s older $ssl_client_cert form (tab-continued PEM lines) works too', async () => {
    const { proxy, alice } = proxied;
    const lines = alice.certificate.trim().split('\n');
    const tabbed = [lines[0], ...lines.slice(1).map((line) => `\t${line}`)].join('\n');
    expect(await ownerOf(proxy, { 'x-ssl-client-cert': encodeURIComponent(tabbed) })).toBe(alice.fingerprint);
  });

  it('X-SSL-Client-SHA1 of an issued certificate is that identity', async () => {
    const { proxy, alice } = proxied;
    expect(await ownerOf(proxy, sha1Header(alice.certificate))).toBe(alice.fingerprint);
  });

  it('an empty X-SSL-Client-Cert (the proxy saw no certificate) is anonymous', async () => {
    expect(await ownerOf(proxied.proxy, { 'x-ssl-client-cert': '' })).toBeNull();
  });

  it('a leaf from SEALBIN_TRUSTED_CA_FILE in X-SSL-Client-Cert is an identity (here an admin)', async () => {
    const { proxy, s } = proxied;
    expect(await ownerOf(proxy, certHeader(s.externalAdmin.cert))).toBe(fingerprintOf(s.externalAdmin.cert));
    expectStatus(await proxy.get('/pki/certs', certHeader(s.externalAdmin.cert)), 200);
  });

  it('a SHA-1 that names no certificate this server issued is CERT_UNTRUSTED', async () => {
    const { proxy, s } = proxied;
    expectErr(await proxy.paste('x', { 'x-ssl-client-sha1': 'ab'.repeat(20) }), 401, 'CERT_UNTRUSTED');
    expectErr(await proxy.paste('x', { 'x-ssl-client-sha1': 'not-a-fingerprint' }), 401, 'CERT_UNTRUSTED');
    // Only issued certificates are matched by SHA-1; a trusted-CA leaf needs its full PEM.
    expectErr(await proxy.paste('x', sha1Header(s.externalAdmin.cert)), 401, 'CERT_UNTRUSTED');
  });

  it('an unparsable or foreign forwarded certificate is CERT_UNTRUSTED, not anonymous', async () => {
    const { proxy, s } = proxied;
    expectErr(await proxy.paste('x', { 'x-ssl-client-cert': 'garbage' }), 401, 'CERT_UNTRUSTED');
    const foreignCa = makeSelfSigned(s.work, 'foreign-ca', '/CN=Foreign CA');
    const foreign = makeLeaf(s.work, 'foreign', foreignCa, '/CN=alice');
    expectErr(await proxy.paste('x', certHeader(foreign.cert)), 401, 'CERT_UNTRUSTED');
  });

  it('our own CA certificate (public at /pki/ca.crt) is no identity: CERT_UNTRUSTED', async () => {
    const { proxy } = proxied;
    const caPem = (await proxy.get('/pki/ca.crt')).text;
    expectErr(await proxy.paste('x', certHeader(caPem)), 401, 'CERT_UNTRUSTED');
    expectErr(await proxy.get('/pki/certs', certHeader(caPem)), 401, 'CERT_UNTRUSTED');
    expectErr(await proxy.paste('x', sha1Header(caPem)), 401, 'CERT_UNTRUSTED');
  });

  it('a revoked certificate via X-SSL-Client-Cert or X-SSL-Client-SHA1 is CERT_REVOKED', async () => {
    const { proxy, direct, s } = proxied;
    const carol = await register(direct, { common_name: 'carol', csr: makeCsr(s.work, 'carol', '/CN=carol').csr });
    expect(await ownerOf(proxy, certHeader(carol.certificate))).toBe(carol.fingerprint);
    expectStatus(await proxy.post(`/pki/revoke/${carol.serial}`, {}, certHeader(s.externalAdmin.cert)), 200);
    expectErr(await proxy.paste('x', certHeader(carol.certificate)), 401, 'CERT_REVOKED');
    expectErr(await proxy.paste('x', sha1Header(carol.certificate)), 401, 'CERT_REVOKED');
    expectErr(await proxy.get('/pastes', certHeader(carol.certificate)), 401, 'CERT_REVOKED');
  });

  it('X-Forwarded-Proto: https from the proxy brings HSTS; plain HTTP has none', async () => {
    const { proxy, direct } = proxied;
    const viaTls = await proxy.get('/', { 'x-forwarded-proto': 'https' });
    expect(viaTls.header('strict-transport-security')).toMatch(/max-age=\d+/);
    expect((await proxy.get('/')).header('strict-transport-security')).toBeUndefined();
    // A direct client cannot claim TLS.
    expect((await direct.get('/', { 'x-forwarded-proto': 'https' })).header('strict-transport-security')).toBeUndefined();
  });
});

describe('proxy-headers: from a peer that is not a trusted proxy, the headers are ignored', () => {
  it('X-SSL-Client-Cert of a valid certificate: anonymous', async () => {
    const { direct, alice } = proxied;
    expect(await ownerOf(direct, certHeader(alice.certificate))).toBeNull();
    expectErr(await direct.get('/pastes', certHeader(alice.certificate)), 401, 'AUTH_REQUIRED');
  });

  it('X-SSL-Client-SHA1 of a valid certificate: anonymous', async () => {
    const { direct, alice } = proxied;
    expect(await ownerOf(direct, sha1Header(alice.certificate))).toBeNull();
  });

  it('an admin\'s certificate in the header gives no admin powers', async () => {
    const { direct, s } = proxied;
    expectErr(await direct.get('/pki/certs', certHeader(s.externalAdmin.cert)), 401, 'AUTH_REQUIRED');
    expectErr(await direct.post('/pki/issue', { common_name: 'x' }, certHeader(s.externalAdmin.cert)), 401, 'AUTH_REQUIRED');
  });

  it('garbage or revoked certificates in the headers are not even looked at', async () => {
    const { direct } = proxied;
    expect(await ownerOf(direct, { 'x-ssl-client-cert': 'garbage', 'x-ssl-client-sha1': 'ab'.repeat(20) })).toBeNull();
  });

  it('without SEALBIN_TRUSTED_PROXIES, even loopback (127.0.0.1) is no proxy', async () => {
    const { proxy, alice, s } = open;
    expect(await ownerOf(proxy, certHeader(alice.certificate))).toBeNull();
    expect(await ownerOf(proxy, sha1Header(alice.certificate))).toBeNull();
    expectErr(await proxy.get('/pki/certs', certHeader(s.externalAdmin.cert)), 401, 'AUTH_REQUIRED');
    expectErr(await proxy.get('/pastes', { ...certHeader(alice.certificate), 'x-forwarded-proto': 'https' }), 401, 'AUTH_REQUIRED');
  });
});

describe('proxy-headers: with SEALBIN_PROXY_SECRET', () => {
  it('a trusted peer without X-Proxy-Secret: headers ignored', async () => {
    const { proxyWithoutSecret: proxy, alice } = proxied;
    expect(await ownerOf(proxy, certHeader(alice.certificate))).toBeNull();
    expect(await ownerOf(proxy, sha1Header(alice.certificate))).toBeNull();
  });

  it('a trusted peer with a wrong X-Proxy-Secret (same length, shorter, longer, empty): headers ignored', async () => {
    const { proxyWithoutSecret: proxy, alice } = proxied;
    const wrong = [SECRET.slice(0, -1) + (SECRET.endsWith('f') ? 'e' : 'f'), SECRET.slice(0, 8), `${SECRET}x`, '', SECRET.toUpperCase()];
    for (const secret of wrong) {
      expect(await ownerOf(proxy, { ...certHeader(alice.certificate), 'x-proxy-secret': secret }), JSON.stringify(secret)).toBeNull();
    }
  });

  it('a trusted peer with the right X-Proxy-Secret: identity', async () => {
    const { proxyWithoutSecret: proxy, alice } = proxied;
    expect(await ownerOf(proxy, { ...certHeader(alice.certificate), 'x-proxy-secret': SECRET })).toBe(alice.fingerprint);
    expect(await ownerOf(proxy, { ...sha1Header(alice.certificate), 'x-proxy-secret': SECRET })).toBe(alice.fingerprint);
  });

  it('the right secret from a peer that is not a trusted proxy: headers ignored', async () => {
    const { direct, alice } = proxied;
    expect(await ownerOf(direct, { ...certHeader(alice.certificate), 'x-proxy-secret': SECRET })).toBeNull();
  });

  it('a revoked certificate with the right secret: CERT_REVOKED; without it: anonymous', async () => {
    const { proxyWithoutSecret: proxy, direct, s } = proxied;
    const dave = await register(direct, { common_name: 'dave', csr: makeCsr(s.work, 'dave', '/CN=dave').csr });
    expectStatus(await proxy.post(`/pki/revoke/${dave.serial}`, {}, { ...certHeader(s.externalAdmin.cert), 'x-proxy-secret': SECRET }), 200);
    expectErr(await proxy.paste('x', { ...certHeader(dave.certificate), 'x-proxy-secret': SECRET }), 401, 'CERT_REVOKED');
    expect(await ownerOf(proxy, certHeader(dave.certificate))).toBeNull();
  });
});

describe('proxy-headers: a trusted proxy without SEALBIN_PROXY_SECRET (impersonation by a public certificate)', () => {
  it('says so at start: one warning naming the ignored headers', () => {
    const warnings = bare.s.server.logLines().filter((line) => line.level === 40 && /X-SSL-Client-SHA1/.test(String(line.msg)));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toMatch(/SEALBIN_PROXY_SECRET.*X-SSL-Client-Cert and X-SSL-Client-SHA1 .*ignored/);
    expect(proxied.s.server.logLines().some((line) => /X-SSL-Client-SHA1/.test(String(line.msg)))).toBe(false);
    expect(open.s.server.logLines().some((line) => /X-SSL-Client-SHA1/.test(String(line.msg)))).toBe(false);
  });

  it('X-Forwarded-Proto is still believed from it', async () => {
    expect((await bare.proxy.get('/', { 'x-forwarded-proto': 'https' })).header('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('with the secret, an admin\'s SHA-1 from the proxy is that admin', async () => {
    const { proxy, s } = proxied;
    const issued = await proxy.post('/pki/issue', { common_name: 'root', admin: true }, certHeader(s.externalAdmin.cert));
    expectStatus(issued, 201);
    const admin = issued.json<Issued>();
    const listed = await proxy.get('/pki/certs', sha1Header(admin.certificate));
    expectStatus(listed, 200);
    expect(await ownerOf(proxy, sha1Header(admin.certificate))).toBe(admin.fingerprint);
  });

  it('without it, an admin\'s SHA-1 or certificate forwarded by the proxy is not that admin: anonymous', async () => {
    const { s, alice } = bare;
    // alice becomes an admin of this server (her certificate was issued by it, so her SHA-1 is known to it).
    await s.restart({ SEALBIN_ADMINS: `${fingerprintOf(s.externalAdmin.cert)},${alice.fingerprint}` });
    const proxy = s.client({ localAddress: PROXY });
    for (const forged of [sha1Header(alice.certificate), certHeader(alice.certificate), certHeader(s.externalAdmin.cert)]) {
      expectErr(await proxy.get('/pki/certs', forged), 401, 'AUTH_REQUIRED');
      expectErr(await proxy.post('/pki/issue', { common_name: 'x', admin: true }, forged), 401, 'AUTH_REQUIRED');
      expect(await ownerOf(proxy, forged)).toBeNull();
    }
    expect(s.server.logLines().filter((line) => /X-SSL-Client-SHA1/.test(String(line.msg)))).toHaveLength(1);
  });
});
