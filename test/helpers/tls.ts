// TLS material for black-box tests: a self-signed server certificate for 127.0.0.1/localhost, and a
// raw HTTPS request helper that accepts it (for the loopback CA bootstrap).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { generateKey, toPem } from '../../src/crypto/x509/certificates.js';
import { SIGNING_ALGORITHM, x509 } from '../../src/crypto/x509/provider.js';

export interface ServerTls {
  certPath: string;
  keyPath: string;
  /** Lowercase hex SHA-256 of the DER certificate (what --fingerprint pins). */
  fingerprint: string;
}

export async function makeServerTls(dir: string, commonName = 'localhost'): Promise<ServerTls> {
  const key = await generateKey();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: [{ CN: [commonName] }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 2 * 86_400_000),
    keys: key.keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const certPath = join(dir, 'server.crt');
  const keyPath = join(dir, 'server.key');
  writeFileSync(certPath, toPem(cert.rawData, 'CERTIFICATE'));
  writeFileSync(keyPath, toPem(key.pkcs8, 'PRIVATE KEY'), { mode: 0o600 });
  return { certPath, keyPath, fingerprint: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex') };
}

/** POST JSON over HTTPS without verifying the (self-signed) server certificate. */
export function insecurePostJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(url, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(text || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
