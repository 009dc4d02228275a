// A TLS server certificate signed by the built-in CA, for running Sealbin over https:// without an
// outside CA (`sealbin issue-server-cert`). Clients then trust the CA certificate (GET /pki/ca.crt).
import type { CaMaterial } from './certificates.js';
import { generateKey, newSerial, toPem } from './certificates.js';
import { fingerprint256 } from './fingerprint.js';
import { checkHostName } from './host-name.js';
import { SIGNING_ALGORITHM, x509 } from './provider.js';

const DAY_MS = 86_400_000;

export interface ServerCertificate {
  serial: string;
  fingerprint: string;
  certificatePem: string;
  privateKeyPem: string;
  notAfter: Date;
}

/**
 * Issues a server certificate for `hosts` (subject alternative names; the first is the CN). Its
 * extended key usage is serverAuth only, and it is not recorded among issued client certificates,
 * so a stolen server key cannot be presented as a client identity (identify() refuses unrecorded
 * certificates of our CA as CERT_UNTRUSTED).
 */
export async function issueServerCertificate(ca: CaMaterial, hosts: readonly string[], days: number, now: Date): Promise<ServerCertificate> {
  if (hosts.length === 0) throw new Error('at least one host name is needed');
  const names = hosts.map((host) => ({ type: checkHostName(host), value: host.toLowerCase() }));
  const key = await generateKey();
  const notAfter = new Date(Math.min(now.getTime() + days * DAY_MS, ca.certificate.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: [{ CN: [names[0]?.value as string] }],
    issuer: ca.certificate.subjectName,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    publicKey: key.keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ],
  });
  const result: ServerCertificate = {
    serial: cert.serialNumber.toLowerCase(),
    fingerprint: fingerprint256(Buffer.from(cert.rawData)),
    certificatePem: toPem(cert.rawData, 'CERTIFICATE'),
    privateKeyPem: toPem(key.pkcs8, 'PRIVATE KEY'),
    notAfter,
  };
  key.pkcs8.fill(0);
  return result;
}
