// Stored items (pastes and file shares) as the server sends them and fpaste reads them.
import { z } from 'zod';
import { expiresAt, owner, unixTime } from './common.js';

/** Complete reads left before the item is removed (X-Max-Downloads; 1 for an unread burn-after-read item). */
const downloadsRemaining = z.number().int().min(0).nullable().describe('complete downloads left before the item is removed and shredded; null when unlimited');

/** GET /{id}, PUT /{id} and each entry of GET /pastes. */
export const itemJson = z
  .object({
    id: z.string().describe('32 lowercase hex characters'),
    url: z.string().describe('the metadata view (never burns)'),
    raw: z.string().describe('the content (burns a burn-after-read item)'),
    size: z.number().int(),
    mime_type: z.string(),
    sha256: z.string().nullable().describe('SHA-256 of the content; null for items with limited reads (burn after read, a download limit) until read (see Deviations in docs/api.md)'),
    created_at: unixTime,
    expires_at: expiresAt,
    burn_after_read: z.boolean(),
    downloads_remaining: downloadsRemaining,
    owner,
    filename: z.string().optional(),
  })
  .meta({ id: 'Item', description: 'A paste or file share' });

/** 201 of POST /, POST /upload: the item plus what is shown only once. */
export const createdItemJson = itemJson
  .extend({
    delete_token: z.string().optional().describe('anonymous items only; shown once'),
    key: z.string().optional().describe('file shares: the diceware download key'),
    download_url: z.string().optional(),
  })
  .meta({ id: 'CreatedItem', description: 'The created item, with what is shown only once' });

/** GET /pastes. */
export const itemListJson = z.object({ pastes: z.array(itemJson), next_cursor: z.string().nullable() }).meta({ id: 'ItemList', description: 'One page of items, newest first' });

/** GET /status/{key}: a file share's metadata. */
export const shareStatusJson = z
  .object({
    size: z.number().int(),
    mime_type: z.string(),
    created_at: unixTime,
    expires_at: expiresAt,
    downloads: z.number().int(),
    burn_after_read: z.boolean(),
    downloads_remaining: downloadsRemaining,
    filename: z.string().optional(),
  })
  .meta({ id: 'ShareStatus', description: 'A file share\'s metadata' });

/** GET /preview/{key}: the status plus up to 1 KiB of text (null for other types). */
export const sharePreviewJson = shareStatusJson
  .extend({
    text: z.string().nullable(),
    text_withheld: z.enum(['burn_after_read', 'download_limit']).optional().describe('present when text is null because showing it would be a read that spends nothing (a burn-after-read share, or one with a download limit)'),
  }).meta({ id: 'SharePreview', description: 'A file share\'s metadata and the start of its text' });

/** The JSON alternative of a create body (Content-Type: application/json). */
export const createJsonBody = z.object({ content: z.string() }).meta({ id: 'CreateJson', description: 'The content as a JSON string' });

export type ItemJson = z.infer<typeof itemJson>;
export type CreatedItemJson = z.infer<typeof createdItemJson>;
export type ItemListJson = z.infer<typeof itemListJson>;
export type ShareStatusJson = z.infer<typeof shareStatusJson>;
export type SharePreviewJson = z.infer<typeof sharePreviewJson>;
