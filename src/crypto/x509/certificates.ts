// Certificate mechanics for the built-in CA: CA creation, leaf issuance, CRLs, CSR checks,
// fingerprints. Policy (who may do what) lives in core/pki-service.ts.
import { randomBytes } from 'node:crypto';
import { KEY_ALGORITHM, SIGNING_ALGORITHM, webcrypto, x509 } from './provider.js';
import type { CryptoKey, CryptoKeyPair } from './provider.js';

export interface CaMaterial {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}

export interface GeneratedKey {
  keys: CryptoKeyPair;
  /** PKCS#8 DER of the private key. */
  pkcs8: Buffer;
}

const DAY_MS = 86_400_000;

/** 128-bit positive serial (top bit cleared so DER needs no sign byte), lowercase hex. */
export function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f | 0x01;
  return bytes.toString('hex');
}

export { fingerprint1, fingerprint256 } from './fingerprint.js';

/** Names are built as structured RDNs, never parsed from "CN=..." strings (DN injection via "x, O=evil"). */
function name(commonName: string, organization?: string): x509.JsonName {
  const rdns: x509.JsonName = [{ CN: [commonName] }];
  if (organization) rdns.push({ O: [organization] });
  return rdns;
}

export async function generateKey(): Promise<GeneratedKey> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keys, pkcs8 };
}

export async function importPrivateKey(pkcs8: Buffer): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', pkcs8, KEY_ALGORITHM, false, ['sign']);
}

export async function createCa(commonName: string, days: number, now: Date): Promise<{ certificate: x509.X509Certificate; key: GeneratedKey }> {
  const key = await generateKey();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name: name(commonName, 'Sealbin'),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    keys: key.keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
    ],
  });
  return { certificate, key };
}

/**
 * Issues a client certificate. Only the public key comes from the requester; subject, validity and
 * extensions are ours: a CSR asking for CA rights or extra names still gets a plain clientAuth leaf.
 */
export async function issueLeaf(ca: CaMaterial, publicKey: CryptoKey | x509.PublicKey, commonName: string, days: number, now: Date): Promise<x509.X509Certificate> {
  const notAfter = new Date(Math.min(now.getTime() + days * DAY_MS, ca.certificate.notAfter.getTime()));
  return x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: name(commonName),
    issuer: ca.certificate.subjectName,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ],
  });
}

export interface CsrCheck {
  publicKey: x509.PublicKey;
}

/** Parses a PEM CSR and checks its self-signature (proof the requester holds the private key). */
export async function checkCsr(pem: string): Promise<CsrCheck> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw new Error('the CSR is not a PEM PKCS#10 request');
  }
  if (!(await csr.verify())) throw new Error('the CSR signature does not verify');
  return { publicKey: csr.publicKey };
}

export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
}

export async function createCrl(ca: CaMaterial, revoked: readonly RevokedEntry[], now: Date, validDays = 7): Promise<x509.X509Crl> {
  return x509.X509CrlGenerator.create({
    issuer: ca.certificate.subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + validDays * DAY_MS),
    signingKey: ca.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    entries: revoked.map((entry) => ({ serialNumber: entry.serial, revocationDate: entry.revokedAt, reason: x509.X509CrlReason.unspecified })),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey), crlNumber(Math.floor(now.getTime() / 1000))],
  });
}

/** RFC 5280 §5.2.3 CRL number (non-critical, monotonically increasing): the issue time in seconds. */
function crlNumber(value: number): x509.Extension {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if ((body[0] as number) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return new x509.Extension('2.5.29.20', false, Buffer.concat([Buffer.from([0x02, body.length]), body]));
}

export function toPem(der: ArrayBuffer | Buffer, label: 'CERTIFICATE' | 'PRIVATE KEY' | 'X509 CRL'): string {
  return x509.PemConverter.encode(Buffer.from(der as ArrayBuffer), label) + '\n';
}
