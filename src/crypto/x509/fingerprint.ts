// Certificate fingerprints: plain hashes of the DER bytes (no X.509 library needed).
import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of the DER certificate: the identity of its holder. */
export function fingerprint256(der: ArrayBuffer | Buffer): string {
  return createHash('sha256').update(Buffer.from(der as ArrayBuffer)).digest('hex');
}

/** Lowercase hex SHA-1 of the DER certificate (X-SSL-Client-SHA1 compatibility). */
export function fingerprint1(der: ArrayBuffer | Buffer): string {
  return createHash('sha1').update(Buffer.from(der as ArrayBuffer)).digest('hex');
}

/** DER bytes of the first PEM block, or null when there is none. */
export function pemToDer(pem: string): Buffer | null {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!match?.[1]) return null;
  const der = Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
  return der.length > 0 ? der : null;
}
