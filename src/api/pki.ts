// The built-in PKI's JSON: status, issued certificates, the certificate list, and request bodies.
import { z } from 'zod';
import { expiresAt, unixTime } from './common.js';

export const pkiStatusJson = z
  .object({
    enabled: z.boolean(),
    ca_exists: z.boolean(),
    fingerprint: z.string().nullable().describe('the CA certificate: lowercase hex SHA-256 of the DER'),
    common_name: z.string().nullable(),
    expires_at: expiresAt,
    issued: z.number().int(),
    revoked: z.number().int(),
  })
  .meta({ id: 'PkiStatus', description: 'The PKI\'s state' });

/** 201 of POST /pki/issue and POST /register; key material only when the server generated the key. */
export const issuedCertificateJson = z
  .object({
    serial: z.string().describe('lowercase hex'),
    fingerprint: z.string(),
    certificate: z.string().describe('PEM'),
    private_key: z.string().optional().describe('PEM PKCS#8; shown once, never stored'),
    pkcs12: z.string().optional().describe('base64 PKCS#12 (AES-256, HMAC-SHA256)'),
    pkcs12_password: z.string().optional(),
  })
  .meta({ id: 'IssuedCertificate', description: 'A newly issued client certificate' });

/** One issued certificate (GET /pki/certs, POST /pki/revoke/{serial}). */
export const certificateJson = z
  .object({
    serial: z.string(),
    fingerprint: z.string(),
    common_name: z.string(),
    admin: z.boolean(),
    issued_at: unixTime,
    expires_at: unixTime,
    revoked_at: unixTime.nullable(),
    status: z.enum(['valid', 'revoked', 'expired']),
  })
  .meta({ id: 'Certificate', description: 'An issued certificate' });

export const certificateListJson = z.object({ certificates: z.array(certificateJson) }).meta({ id: 'CertificateList', description: 'Every issued certificate' });

export const commonName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  // Certificates end up in logs, UIs and terminals: printable text only.
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'common_name must be printable text');

/** A CSR in PEM; bounded so a huge one is refused before any parsing. */
const csr = z.string().max(16_384).describe('PEM PKCS#10; with a CSR no private key ever exists on the server');

/** POST /pki/ca. */
export const caRequestJson = z
  .object({ common_name: commonName.default('Sealbin CA'), days: z.number().int().min(1).max(7300).default(3650) })
  .meta({ id: 'CaRequest', description: 'The CA to create' });

/** POST /pki/issue. */
export const issueRequestJson = z
  .object({ common_name: commonName, days: z.number().int().min(1).max(3650).default(365), admin: z.boolean().default(false), csr: csr.optional() })
  .meta({ id: 'IssueRequest', description: 'The certificate to issue' });

/** POST /register: always a non-admin certificate for 365 days. */
export const registerRequestJson = z.object({ common_name: commonName, csr: csr.optional() }).meta({ id: 'RegisterRequest', description: 'The certificate to register' });

export type PkiStatusJson = z.infer<typeof pkiStatusJson>;
export type IssuedCertificateJson = z.infer<typeof issuedCertificateJson>;
export type CertificateJson = z.infer<typeof certificateJson>;
export type CertificateListJson = z.infer<typeof certificateListJson>;
