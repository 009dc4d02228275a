// The tus 1.0 requests fpaste makes (https://tus.io/protocols/resumable-upload): OPTIONS to see
// whether the server offers resumable uploads, POST to create one, HEAD to ask how much is stored,
// PATCH to append. Only the protocol lives here; retries, state and progress are resumable-upload.ts.
import type { Readable } from 'node:stream';
import { CliError } from './errors.js';
import { errorFrom } from './http-client.js';
import type { HttpClient, Response } from './http-client.js';

export const TUS_VERSION = '1.0.0';
/** The endpoint, relative to the server's base URL (which includes any URL prefix). */
export const TUS_PATH = '/tus';

/** The upload no longer exists on the server (expired, terminated, finished, or never there). */
export class TusUploadGone extends CliError {
  override readonly name = 'TusUploadGone';
}

/** The server stores a different offset than the PATCH said (409): ask HEAD and go on from there. */
export class TusOffsetConflict extends CliError {
  override readonly name = 'TusOffsetConflict';
}

export interface TusOffer {
  /** Tus-Max-Size, when the server announces one. */
  maxSize: number | null;
  extensions: string[];
}

export interface TusProgress {
  offset: number;
  length: number | null;
  /** Upload-Expires as Unix ms, when the server says. */
  expiresAt: number | null;
}

/** What the final PATCH (offset reached the length) tells about the item it became. */
export interface TusCompletion {
  id: string;
  /** The diceware download key. */
  key: string | null;
  /** For anonymous uploads, when the server sends it (X-Sealbin-Delete-Token). */
  deleteToken: string | null;
  /** X-Sealbin-Download-Url: the server's own URL for the key (public URL and prefix included). */
  downloadUrl: string | null;
}

export interface PatchResult extends TusProgress {
  completion: TusCompletion | null;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Upload-Metadata: comma-separated `key base64(value)` pairs; keys are plain ASCII without spaces or commas. */
export function encodeUploadMetadata(metadata: Record<string, string>): string {
  return Object.entries(metadata)
    .map(([key, value]) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new RangeError(`unusable Upload-Metadata key ${key}`);
      return `${key} ${base64(value)}`;
    })
    .join(',');
}

function headerNumber(response: Response, name: string): number | null {
  const value = response.header(name);
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return null;
  return Number(value.trim());
}

function progressOf(response: Response): TusProgress {
  const offset = headerNumber(response, 'upload-offset');
  if (offset === null) throw new CliError(`the server's tus answer has no valid Upload-Offset (HTTP ${response.status})`);
  const expires = response.header('upload-expires');
  const expiresAt = expires ? Date.parse(expires) : Number.NaN;
  return { offset, length: headerNumber(response, 'upload-length'), expiresAt: Number.isNaN(expiresAt) ? null : expiresAt };
}

/**
 * The upload URL the server answered with, as a path under the client's base URL. Anything on
 * another origin, or outside the base path, is refused.
 */
export function uploadPath(client: HttpClient, location: string): string {
  const base = client.url('');
  let url: URL;
  try {
    url = new URL(location, client.url(TUS_PATH));
  } catch {
    throw new CliError(`the server answered the tus creation with an unusable Location (${location.slice(0, 200)})`);
  }
  const basePath = base.pathname.replace(/\/$/, '');
  // Exfiltration: a Location on another host (a rewritten header) would get our content and, over
  // TLS, our client certificate; uploads go only to the server the user named.
  if (url.origin !== base.origin || !url.pathname.startsWith(`${basePath}${TUS_PATH}/`)) {
    throw new CliError(`the server answered the tus creation with an upload URL outside ${client.base}${TUS_PATH}/ (${url.href.slice(0, 200)}); refusing to send there`);
  }
  return `${url.pathname.slice(basePath.length)}${url.search}`;
}

async function discard(response: Response): Promise<void> {
  response.body.resume();
  await new Promise<void>((resolve) => {
    if (response.body.readableEnded) return resolve();
    response.body.once('end', resolve);
    response.body.once('error', () => resolve());
    response.body.once('close', resolve);
  });
}

async function refusal(response: Response, what: string): Promise<CliError> {
  // Gone: the tus statuses for an upload that does not exist (any more); 403 is how a server that
  // binds uploads to their creator answers a URL that is not ours, which is the same for us.
  if (response.status === 404 || response.status === 410 || response.status === 403) {
    await discard(response);
    return new TusUploadGone(`the server no longer has this upload (HTTP ${response.status} on ${what})`);
  }
  if (response.status === 409) {
    await discard(response);
    return new TusOffsetConflict('the server holds a different offset than this upload sent');
  }
  if (response.status === 412) {
    await discard(response);
    return new CliError(`the server does not speak tus ${TUS_VERSION} (HTTP 412 on ${what})`);
  }
  return errorFrom(response);
}

const TUS_HEADERS = { 'tus-resumable': TUS_VERSION };

/**
 * Whether the server offers tus 1.0 with the creation extension (OPTIONS /tus). A server without
 * it (older, or behind a proxy that does not pass /tus) answers 404/405 or without Tus-Version.
 */
export async function tusOffer(client: HttpClient): Promise<TusOffer | null> {
  const response = await client.send('OPTIONS', TUS_PATH, { headers: TUS_HEADERS });
  await discard(response);
  if (response.status < 200 || response.status >= 300) return null;
  const versions = (response.header('tus-version') ?? '').split(',').map((v) => v.trim());
  const extensions = (response.header('tus-extension') ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (!versions.includes(TUS_VERSION) || !extensions.includes('creation')) return null;
  return { maxSize: headerNumber(response, 'tus-max-size'), extensions };
}

/** POST /tus: a new upload of `length` bytes; resolves with its path under the base URL. */
export async function tusCreate(client: HttpClient, length: number, metadata: Record<string, string>, headers: Record<string, string>): Promise<string> {
  const sent: Record<string, string> = { ...headers, ...TUS_HEADERS, 'upload-length': String(length) };
  if (Object.keys(metadata).length > 0) sent['upload-metadata'] = encodeUploadMetadata(metadata);
  const response = await client.send('POST', TUS_PATH, { headers: sent, body: Buffer.alloc(0) });
  if (response.status !== 201) throw await errorFrom(response);
  await discard(response);
  const location = response.header('location');
  if (!location) throw new CliError('the server created a tus upload without saying where (no Location header)');
  return uploadPath(client, location);
}

/** HEAD: how many bytes of the upload the server has stored durably. */
export async function tusHead(client: HttpClient, path: string): Promise<TusProgress & { completion: TusCompletion | null }> {
  const response = await client.send('HEAD', path, { headers: TUS_HEADERS });
  await discard(response);
  if (response.status < 200 || response.status >= 300) throw await refusal(response, 'HEAD');
  return { ...progressOf(response), completion: completionOf(response) };
}

function completionOf(response: Response): TusCompletion | null {
  const id = response.header('x-sealbin-id');
  if (!id) return null;
  // The id becomes a URL path below: only what the contract says an id looks like.
  if (!/^[0-9a-f]{32}$/.test(id)) throw new CliError('the server answered the final PATCH with a malformed X-Sealbin-Id');
  return { id, key: response.header('x-sealbin-key') ?? null, deleteToken: response.header('x-sealbin-delete-token') ?? null, downloadUrl: response.header('x-sealbin-download-url') ?? null };
}

/** PATCH: appends `length` bytes from `body` at `offset`. */
export async function tusPatch(client: HttpClient, path: string, offset: number, body: Readable, length: number): Promise<PatchResult> {
  const headers = { ...TUS_HEADERS, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' };
  const response = await client.send('PATCH', path, { headers, body, length });
  if (response.status !== 204 && response.status !== 200) throw await refusal(response, 'PATCH');
  await discard(response);
  return { ...progressOf(response), completion: completionOf(response) };
}

/** DELETE (termination): best effort, for an upload this client abandons. */
export async function tusTerminate(client: HttpClient, path: string): Promise<void> {
  const response = await client.send('DELETE', path, { headers: TUS_HEADERS });
  await discard(response);
}
