// The server's own TLS certificate from the built-in CA: which host names are accepted, and what
// the certificate says (names, usage, issuer, validity capped by the CA).
import { describe, expect, it } from 'vitest';
import { createCa, importPrivateKey } from '../../../src/crypto/x509/certificates.js';
import { x509 } from '../../../src/crypto/x509/provider.js';
import { checkHostName } from '../../../src/crypto/x509/host-name.js';
import { issueServerCertificate } from '../../../src/crypto/x509/server-certificate.js';

describe('host names', () => {
  it('DNS names (one leading wildcard allowed) and IP addresses', () => {
    for (const host of ['localhost', 'paste.example.org', '*.example.org', 'a-b.c1']) expect(checkHostName(host)).toBe('dns');
    for (const host of ['127.0.0.1', '::1', '2001:db8::5']) expect(checkHostName(host)).toBe('ip');
  });

  it('anything with a scheme, port, path, space or bad label is refused', () => {
    for (const bad of ['', 'https://localhost', 'localhost:8443', 'a/b', 'a b', '-a.org', 'a-.org', 'a..org', 'x.*.org', '*', `${'a'.repeat(64)}.org`, 'ex\u0000.org']) {
      expect(() => checkHostName(bad), JSON.stringify(bad)).toThrow(/not a host name or IP address/);
    }
  });
});

describe('issueServerCertificate', () => {
  it('a serverAuth leaf for the given names, signed by the CA, never outliving it', async () => {
    const now = new Date();
    const { certificate: caCert, key } = await createCa('Unit CA', 10, now);
    const ca = { certificate: caCert, privateKey: await importPrivateKey(key.pkcs8) };
    const issued = await issueServerCertificate(ca, ['LocalHost', '127.0.0.1'], 397, now);
    const cert = new x509.X509Certificate(issued.certificatePem);
    expect(cert.subjectName.getField('CN')).toEqual(['localhost']);
    expect(cert.issuer).toBe(caCert.subject);
    expect(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true })).toBe(true);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(cert.notAfter.getTime()).toBeLessThanOrEqual(caCert.notAfter.getTime());
    expect(issued.serial).toBe(cert.serialNumber.toLowerCase());
    expect(issued.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    await expect(issueServerCertificate(ca, [], 30, now)).rejects.toThrow(/at least one host/);
  });
});
