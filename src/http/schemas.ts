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

export const schemas = {
  createPaste: {
    summary: 'Create a paste from a raw body, a multipart "file" part or JSON {"content": ...}',
    tags: ['pastes'],
    headers: createHeaders,
    response: { 201: created, ...errors },
  },
  updatePaste: { summary: 'Replace content and/or metadata (owner only)', tags: ['pastes'], params: idParams, response: { 401: errorSchema, 403: errorSchema, 404: errorSchema } },
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
      503: z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }),
    },
  },
  openapi: { summary: 'This OpenAPI document', tags: ['operations'] },
  challenge: {
    summary: 'A proof-of-work challenge: find s with SHA-256(nonce + ":" + s) having `difficulty` leading zero bits',
    tags: ['abuse'],
    querystring: z.object({ purpose: z.string().optional().describe('paste (default) or short') }),
    response: {
      200: z.object({ enabled: z.boolean(), difficulty: z.number().int(), nonce: z.string().nullable(), expires: z.number().int().nullable(), token: z.string().nullable() }),
      400: errorSchema,
      429: errorSchema,
    },
  },
};
