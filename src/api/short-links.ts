// Short links as the server sends them and fpaste reads them.
import { z } from 'zod';
import { expiresAt, owner, unixTime } from './common.js';

/** Redirects left before a limited link is removed (X-Max-Downloads on POST /s). */
const clicksRemaining = z.number().int().min(0).nullable().describe('redirects left before the link is removed; null when unlimited');

/** 201 of POST /s. */
export const shortLinkJson = z
  .object({
    id: z.string().describe('8 base62 characters'),
    short_url: z.string(),
    target: z.string().describe('the WHATWG-normalised URL'),
    created_at: unixTime,
    expires_at: expiresAt,
    clicks_remaining: clicksRemaining,
    owner,
  })
  .meta({ id: 'ShortLink', description: 'A short link' });

/** GET /s/{id}/info: public, so no owner. */
export const shortLinkInfoJson = z
  .object({ id: z.string(), target: z.string(), clicks: z.number().int(), clicks_remaining: clicksRemaining, created_at: unixTime, expires_at: expiresAt })
  .meta({ id: 'ShortLinkInfo', description: 'A short link\'s public details' });

/** GET /s: the caller's own links with their click counts. */
export const shortLinkListJson = z.object({ links: z.array(shortLinkJson.extend({ clicks: z.number().int() })) }).meta({ id: 'ShortLinkList', description: 'The caller\'s short links' });

/** The JSON form of a POST /s body (the URL may also be sent as text/plain). */
export const shortenJsonBody = z.object({ url: z.string().describe('http(s) URL, ≤ 2048 bytes') }).meta({ id: 'ShortenJson', description: 'The URL to shorten' });

export type ShortLinkJson = z.infer<typeof shortLinkJson>;
export type ShortLinkInfoJson = z.infer<typeof shortLinkInfoJson>;
export type ShortLinkListJson = z.infer<typeof shortLinkListJson>;
