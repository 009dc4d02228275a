// A key pair and a certificate signing request, made on this machine: the server signs the public
// key and never sees the private key. Loaded lazily (dynamic import) by register and pki issue only.
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyAndCsr {
  /** PKCS#8 PEM of the private key: written with mode 0600, never sent anywhere. */
  privateKeyPem: string;
  csrPem: string;
}

export async function generateKeyAndCsr(commonName: string): Promise<KeyAndCsr> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    // A structured name, never a "CN=..." string: a common name with commas cannot inject RDNs.
    name: [{ CN: [commonName] }],
    keys: keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`;
  pkcs8.fill(0);
  return { privateKeyPem, csrPem: csr.toString('pem') };
}

/** Lowercase hex SHA-256 of a PEM certificate's DER: the identity ("owner") the server will see. */
export function certificateSummary(pem: string): { fingerprint: string; commonName: string; notAfter: Date } {
  const cert = new x509.X509Certificate(pem);
  const fingerprint = createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
  return { fingerprint, commonName: cert.subjectName.getField('CN')[0] ?? '', notAfter: cert.notAfter };
}
