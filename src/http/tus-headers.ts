// Reading the tus request headers: integers, the Upload-Metadata list and the creation options
// (expiry, burn, max downloads, file name and type) that may come as metadata or as our headers.
import { AppError } from '../core/errors.js';
import type { UploadOptions } from '../core/resumable-uploads.js';
import type { IncomingHttpHeaders } from 'node:http';
import { filenameFromHeaders } from './filename-header.js';
import { parseBurnAfterRead, parseMaxDownloads } from './create-options.js';

export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = 'creation,creation-defer-length,termination,expiration';

type Headers = IncomingHttpHeaders;

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new AppError('INVALID_REQUEST', `${name} must be given once.`);
  return value;
}

/** A non-negative integer header, or undefined when absent; anything else is 400. */
export function integerHeader(headers: Headers, name: string): number | undefined {
  const value = single(headers, name);
  if (value === undefined) return undefined;
  // Number precision: 15 digits stay exact in a double.
  if (!/^[0-9]{1,15}$/.test(value.trim())) throw new AppError('INVALID_REQUEST', `${name} must be a non-negative integer.`);
  return Number(value.trim());
}

/** Upload-Metadata: `key base64,key base64,key` (values are optional). Bounded by the header size limit. */
export function parseMetadata(value: string | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  if (value === undefined || value.trim() === '') return entries;
  for (const pair of value.split(',')) {
    const [key, encoded, extra] = pair.trim().split(' ');
    if (key === undefined || key === '' || extra !== undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(key)) throw new AppError('INVALID_REQUEST', 'Upload-Metadata must be comma-separated "key base64value" pairs.');
    if (entries.has(key)) throw new AppError('INVALID_REQUEST', `Upload-Metadata has "${key}" twice.`);
    if (encoded !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw new AppError('INVALID_REQUEST', `Upload-Metadata "${key}" is not base64.`);
    entries.set(key, encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8'));
  }
  return entries;
}

/**
 * The creation options: our X-* headers win over Upload-Metadata entries of the same meaning
 * (`expiry`, `burn_after_read`, `max_downloads`, `filename`, `filetype`).
 */
export function creationOptions(headers: Headers): UploadOptions {
  const metadata = parseMetadata(single(headers, 'upload-metadata'));
  const pick = (header: string, key: string): string | undefined => single(headers, header) ?? metadata.get(key);
  const filename = filenameFromHeaders(headers) ?? metadata.get('filename') ?? metadata.get('name');
  const filetype = metadata.get('filetype') ?? metadata.get('type');
  const burnAfterRead = parseBurnAfterRead(pick('x-burn-after-read', 'burn_after_read')) ?? false;
  const maxDownloads = parseMaxDownloads(pick('x-max-downloads', 'max_downloads')) ?? null;
  // Same rule as the other creations: burn after read is one download, a second limit contradicts it.
  if (burnAfterRead && maxDownloads !== null) throw new AppError('INVALID_REQUEST', 'X-Burn-After-Read and X-Max-Downloads cannot be combined: burn after read is one download. Send one of them.');
  return {
    filename: filename === undefined || filename === '' ? null : filename,
    filetype: filetype === undefined || filetype === '' ? null : filetype,
    expiry: pick('x-expiry', 'expiry'),
    burnAfterRead,
    maxDownloads,
  };
}
