// Route schemas (zod), used for OpenAPI and to keep responses to the contract's shape. Ids and keys
// are plain strings here on purpose: a malformed one must be a 404 from the handler, not a 400.
import { z } from 'zod';

export const errorSchema = z.object({
  error_code: z.string(),
  message: z.string(),
  request_id: z.string(),
}).passthrough();

const item = z.object({
  id: z.string().describe('32 lowercase hex characters'),
  url: z.string().describe('the metadata view (never burns)'),
  raw: z.string(),
  size: z.number().int(),
  mime_type: z.string(),
  sha256: z.string(),
  created_at: z.number().int(),
  expires_at: z.number().int().nullable(),
  burn_after_read: z.boolean(),
  owner: z.string().nullable(),
  filename: z.string().optional(),
});

const created = item.extend({
  delete_token: z.string().optional().describe('anonymous items only; shown once'),
  key: z.string().optional(),
  download_url: z.string().optional(),
});

const status = z.object({
  size: z.number().int(),
  mime_type: z.string(),
  created_at: z.number().int(),
  expires_at: z.number().int().nullable(),
  downloads: z.number().int(),
  burn_after_read: z.boolean(),
  filename: z.string().optional(),
});

const idParams = z.object({ id: z.string() });
const keyParams = z.object({ key: z.string().describe('six diceware words joined by -') });

const createHeaders = z.object({
  'x-expiry': z.string().optional().describe('seconds from now, ≥ 1; clamped to the maximum'),
  'x-burn-after-read': z.string().optional().describe('1|true'),
  'x-filename': z.string().optional(),
});

const errors = { 400: errorSchema, 404: errorSchema, 413: errorSchema, 500: errorSchema };

const pkiStatus = z.object({
  enabled: z.boolean(),
  ca_exists: z.boolean(),
  fingerprint: z.string().nullable(),
  common_name: z.string().nullable(),
  expires_at: z.number().int().nullable(),
  issued: z.number().int(),
  revoked: z.number().int(),
});

const issued = z.object({
  serial: z.string(),
  fingerprint: z.string(),
  certificate: z.string(),
  private_key: z.string().optional(),
  pkcs12: z.string().optional().describe('base64 PKCS#12 (AES-256, HMAC-SHA256)'),
  pkcs12_password: z.string().optional(),
});

const certView = z.object({
  serial: z.string(),
  fingerprint: z.string(),
  common_name: z.string(),
  admin: z.boolean(),
  issued_at: z.number().int(),
  expires_at: z.number().int(),
  revoked_at: z.number().int().nullable(),
  status: z.enum(['valid', 'revoked', 'expired']),
});

const challenge = z.object({ enabled: z.boolean(), difficulty: z.number().int(), nonce: z.string().nullable(), expires: z.number().int().nullable(), token: z.string().nullable() });

const shortLink = z.object({
  id: z.string(),
  short_url: z.string(),
  target: z.string(),
  created_at: z.number().int(),
  expires_at: z.number().int().nullable(),
  owner: z.string().nullable(),
});

const authErrors = { 401: errorSchema, 403: errorSchema };

export const schemas = {
  createPaste: {
    summary: 'Create a paste from a raw body, a multipart "file" part or JSON {"content": ...}',
    tags: ['pastes'],
    headers: createHeaders,
    response: { 201: created, ...errors },
  },
  updatePaste: { summary: 'Replace content and/or metadata (owner or admin)', tags: ['pastes'], params: idParams, headers: createHeaders, response: { 200: item, 401: errorSchema, 403: errorSchema, 404: errorSchema, 413: errorSchema } },
  getPaste: { summary: 'Paste metadata (never burns)', tags: ['pastes'], params: idParams, response: { 200: item, 404: errorSchema } },
  headPaste: { summary: 'Paste metadata headers', tags: ['pastes'], params: idParams },
  getRaw: { summary: 'Paste content (burns a burn-after-read paste; Range supported)', tags: ['pastes'], params: idParams, response: { 404: errorSchema, 416: errorSchema, 500: errorSchema } },
  headRaw: { summary: 'Paste content headers (never burns)', tags: ['pastes'], params: idParams },
  deletePaste: {
    summary: 'Delete and shred (X-Delete-Token, owner or admin)',
    tags: ['pastes'],
    params: idParams,
    headers: z.object({ 'x-delete-token': z.string().optional() }),
    response: { 204: z.null().describe('deleted'), 401: errorSchema, 403: errorSchema, 404: errorSchema },
  },
  upload: { summary: 'Share a file; returns a diceware download key', tags: ['files'], headers: createHeaders, response: { 201: created, ...errors } },
  download: { summary: 'Download a shared file (burns a burn-after-read share)', tags: ['files'], params: keyParams, response: { 404: errorSchema, 500: errorSchema } },
  headDownload: { summary: 'Shared file headers (never burns)', tags: ['files'], params: keyParams },
  preview: { summary: 'Safe preview: metadata and up to 1 KiB of text (never burns)', tags: ['files'], params: keyParams, response: { 200: status.extend({ text: z.string().nullable() }), 404: errorSchema } },
  status: { summary: 'Shared file metadata', tags: ['files'], params: keyParams, response: { 200: status, 404: errorSchema } },
  info: {
    summary: 'Server information',
    tags: ['operations'],
    response: {
      200: z.object({
        name: z.string(),
        version: z.string(),
        endpoints: z.record(z.string(), z.string()),
        limits: z.object({ max_size: z.number().int(), default_expiry: z.number().int(), max_expiry: z.number().int() }),
        pow: z.object({ enabled: z.boolean(), difficulty: z.number().int() }),
        encryption_required: z.boolean(),
      }),
    },
  },
  health: {
    summary: 'Health of the server and its backends',
    tags: ['operations'],
    response: {
      200: z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }),
      // 503 is either the health body naming the failing check, or an error (e.g. the counter backend refused).
      503: z.union([z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }), errorSchema]),
    },
  },
  openapi: { summary: 'This OpenAPI document', tags: ['operations'] },
  metrics: { summary: 'Prometheus metrics (SEALBIN_METRICS_ALLOW only)', tags: ['operations'], response: { 403: errorSchema } },
  pkiCa: { summary: 'Create the CA (admin, or loopback while none exists)', tags: ['pki'], body: z.object({ common_name: z.string().optional(), days: z.number().int().optional() }).optional(), response: { 201: pkiStatus, 400: errorSchema, ...authErrors, 409: errorSchema } },
  pkiStatus: { summary: 'PKI status', tags: ['pki'], response: { 200: pkiStatus } },
  pkiPem: { summary: 'PEM document (CA certificate or CRL)', tags: ['pki'], response: { 409: errorSchema } },
  pkiIssue: {
    summary: 'Issue a client certificate (admin); with a CSR no private key exists on the server',
    tags: ['pki'],
    body: z.object({ common_name: z.string(), days: z.number().int().optional(), admin: z.boolean().optional(), csr: z.string().optional() }),
    response: { 201: issued, 400: errorSchema, ...authErrors, 409: errorSchema },
  },
  pkiCerts: { summary: 'Every issued certificate (admin)', tags: ['pki'], response: { 200: z.object({ certificates: z.array(certView) }), ...authErrors } },
  pkiRevoke: { summary: 'Revoke a certificate (admin)', tags: ['pki'], params: z.object({ serial: z.string() }), response: { 200: certView, ...authErrors, 404: errorSchema } },
  registerChallenge: { summary: 'A registration proof-of-work challenge', tags: ['pki'], response: { 200: challenge } },
  register: {
    summary: 'Self-registration with a solved challenge: a non-admin certificate',
    tags: ['pki'],
    body: z.object({ common_name: z.string(), csr: z.string().optional() }),
    response: { 201: issued, 400: errorSchema, 409: errorSchema, 429: errorSchema },
  },
  listPastes: {
    summary: 'List own items (admin: all=1 lists everyone\'s)',
    tags: ['pastes'],
    querystring: z.object({
      type: z.string().optional().describe('MIME glob, e.g. image/*'),
      after: z.string().optional(),
      before: z.string().optional(),
      limit: z.string().optional().describe('1..200, default 50'),
      cursor: z.string().optional(),
      all: z.string().optional(),
    }),
    response: { 200: z.object({ pastes: z.array(item), next_cursor: z.string().nullable() }), 400: errorSchema, ...authErrors },
  },
  createShort: {
    summary: 'Shorten an http(s) URL: JSON {"url"} or the URL as text',
    tags: ['short'],
    response: { 201: shortLink, 400: errorSchema, 429: errorSchema },
  },
  listShort: { summary: 'Own short links', tags: ['short'], response: { 200: z.object({ links: z.array(shortLink.extend({ clicks: z.number().int() })) }), ...authErrors } },
  redirectShort: { summary: 'Redirect (302) to the target; counts a click', tags: ['short'], params: z.object({ id: z.string() }), response: { 302: z.null().describe('Location: the target'), 404: errorSchema } },
  infoShort: {
    summary: 'Short link details',
    tags: ['short'],
    params: z.object({ id: z.string() }),
    response: { 200: z.object({ id: z.string(), target: z.string(), clicks: z.number().int(), created_at: z.number().int(), expires_at: z.number().int().nullable() }), 404: errorSchema },
  },
  deleteShort: { summary: 'Delete a short link (owner or admin)', tags: ['short'], params: z.object({ id: z.string() }), response: { 204: z.null(), ...authErrors, 404: errorSchema } },
  challenge: {
    summary: 'A proof-of-work challenge: find s with SHA-256(nonce + ":" + s) having `difficulty` leading zero bits',
    tags: ['abuse'],
    querystring: z.object({ purpose: z.string().optional().describe('paste (default) or short') }),
    response: {
      200: challenge,
      400: errorSchema,
      429: errorSchema,
    },
  },
};
