// openssl-interop (black box): what the PKI hands out is standard X.509 that an independent
// implementation accepts. `openssl verify -CAfile ca.crt` accepts every certificate the server
// issued (generated key, CSR, registration) for TLS client use and refuses foreign ones;
// `openssl crl` parses GET /pki/crl, verifies its signature with the CA and finds revoked serials,
// and `openssl verify -crl_check` then refuses exactly the revoked certificate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, expectStatus, fingerprintOf, issue, makeCsr, makeLeaf, makeSelfSigned, openssl, opensslRun, register, startIdentityServer } from './support.js';
import type { Client, IdentityServer, Issued, PkiStatus } from './support.js';

let s: IdentityServer;
let anon: Client;
let admin: Client;
let caPath: string;
let generated: Issued;
let fromCsr: Issued;
let registered: Issued;
let toRevoke: Issued;

async function crlPath(name: string): Promise<string> {
  const reply = await anon.get('/pki/crl');
  expectStatus(reply, 200);
  expect(reply.text).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+\n-----END X509 CRL-----\n?$/);
  return s.work.write(`${name}.crl`, reply.text);
}

function verify(certPem: string, extra: readonly string[] = []): { ok: boolean; output: string } {
  const path = s.work.write(`verify-${fingerprintOf(certPem).slice(0, 12)}.crt`, certPem);
  const result = opensslRun(['verify', '-CAfile', caPath, ...extra, path]);
  return { ok: result.code === 0 && result.stdout.includes(': OK'), output: result.stdout + result.stderr };
}

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0' } });
  anon = s.client();
  admin = s.as(s.externalAdmin);
  const caPem = await createCa(anon, 'Interop CA');
  caPath = s.work.write('ca.crt', caPem);
  generated = await issue(admin, { common_name: 'interop-generated', days: 5 });
  fromCsr = await issue(admin, { common_name: 'interop-csr', csr: makeCsr(s.work, 'interop-csr', '/CN=interop-csr').csr });
  registered = await register(anon, { common_name: 'interop-registered', csr: makeCsr(s.work, 'interop-registered', '/CN=r').csr });
  toRevoke = await register(anon, { common_name: 'interop-revoked', csr: makeCsr(s.work, 'interop-revoked', '/CN=v').csr });
});
afterAll(async () => {
  await s?.dispose();
});

describe('openssl-interop: certificates', () => {
  it('the CA certificate is a self-signed CA that openssl accepts, with the fingerprint /pki/status reports', async () => {
    const text = openssl(['x509', '-in', caPath, '-noout', '-text']);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    expect(openssl(['verify', '-CAfile', caPath, caPath])).toContain(': OK');
    const fp = openssl(['x509', '-in', caPath, '-noout', '-fingerprint', '-sha256']).trim().replace(/^.*=/, '').replace(/:/g, '').toLowerCase();
    expect(fp).toBe((await anon.get('/pki/status')).json<PkiStatus>().fingerprint);
  });

  it.each([
    ['issued with a generated key', () => generated],
    ['issued for a CSR', () => fromCsr],
    ['registered', () => registered],
  ])('a certificate %s verifies against ca.crt for TLS client use', (_name, which) => {
    const cert = which().certificate;
    for (const extra of [[], ['-purpose', 'sslclient'], ['-x509_strict']]) {
      const result = verify(cert, extra);
      expect(result.ok, `${extra.join(' ')}: ${result.output}`).toBe(true);
    }
    // It is not good for anything else a CA could grant.
    expect(verify(cert, ['-purpose', 'sslserver']).ok).toBe(false);
  });

  it('openssl agrees with the fingerprint and serial the server reported', () => {
    for (const issued of [generated, fromCsr, registered]) {
      const path = s.work.write(`fp-${issued.serial}.crt`, issued.certificate);
      const fp = openssl(['x509', '-in', path, '-noout', '-fingerprint', '-sha256']).trim().replace(/^.*=/, '').replace(/:/g, '').toLowerCase();
      expect(fp).toBe(issued.fingerprint);
      const serial = openssl(['x509', '-in', path, '-noout', '-serial']).trim().replace(/^serial=/, '');
      expect(BigInt(`0x${serial}`)).toBe(BigInt(`0x${issued.serial}`));
    }
  });

  it('foreign and look-alike certificates do not verify against ca.crt', () => {
    const foreignCa = makeSelfSigned(s.work, 'foreign-ca', '/CN=Foreign CA');
    expect(verify(makeLeaf(s.work, 'foreign-leaf', foreignCa, '/CN=x').cert).ok).toBe(false);
    const lookAlikeCa = makeSelfSigned(s.work, 'lookalike-ca', '/CN=Interop CA/O=Sealbin');
    expect(verify(makeLeaf(s.work, 'lookalike-leaf', lookAlikeCa, '/CN=x').cert).ok).toBe(false);
    expect(verify(s.externalAdmin.cert).ok).toBe(false);
  });
});

describe('openssl-interop: the CRL', () => {
  it('before any revocation: parses, is signed by the CA, lists nothing, and is current', async () => {
    const path = await crlPath('empty');
    const text = openssl(['crl', '-in', path, '-noout', '-text']);
    expect(text).toMatch(/No Revoked Certificates/);
    expect(text).toMatch(/Issuer: CN = Interop CA/);
    const check = opensslRun(['crl', '-in', path, '-CAfile', caPath, '-noout']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout + check.stderr).toMatch(/verify OK/);
    const next = openssl(['crl', '-in', path, '-noout', '-nextupdate']).trim().replace(/^nextUpdate=/, '');
    expect(Date.parse(next)).toBeGreaterThan(Date.now());
    const last = openssl(['crl', '-in', path, '-noout', '-lastupdate']).trim().replace(/^lastUpdate=/, '');
    expect(Date.parse(last)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('after a revocation: the CRL lists exactly the revoked serial and verify -crl_check refuses only that certificate', async () => {
    expectStatus(await admin.post(`/pki/revoke/${toRevoke.serial}`), 200);
    const path = await crlPath('one');
    const text = openssl(['crl', '-in', path, '-noout', '-text']);
    const serials = [...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => BigInt(`0x${m[1] as string}`));
    expect(serials).toEqual([BigInt(`0x${toRevoke.serial}`)]);
    expect(opensslRun(['crl', '-in', path, '-CAfile', caPath, '-noout']).code).toBe(0);

    const revoked = verify(toRevoke.certificate, ['-crl_check', '-CRLfile', path]);
    expect(revoked.ok).toBe(false);
    expect(revoked.output).toMatch(/certificate revoked/);
    for (const issued of [generated, fromCsr, registered]) {
      const result = verify(issued.certificate, ['-crl_check', '-CRLfile', path]);
      expect(result.ok, result.output).toBe(true);
    }
  });

  it('a DER conversion round-trips (the PEM wraps a well-formed CRL)', async () => {
    const path = await crlPath('der-check');
    const der = s.work.path('crl.der');
    openssl(['crl', '-in', path, '-outform', 'DER', '-out', der]);
    expect(openssl(['crl', '-in', der, '-inform', 'DER', '-noout', '-text'])).toMatch(/Revoked Certificates:/);
  });
});
