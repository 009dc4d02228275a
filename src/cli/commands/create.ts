// fpaste [create] FILE | cmd | fpaste, and fpaste upload FILE (a file share with a diceware key).
// Pastes are end-to-end encrypted by default: the server receives ciphertext only (its type is
// application/octet-stream, its size is the content's plus a small overhead), and the file name
// travels inside the ciphertext, never in X-Filename. The key exists only in the printed URL's
// fragment and in the local item store.
import { basename } from 'node:path';
import { pipeline } from 'node:stream';
import { encodeKey } from '../../crypto/e2e-format.js';
import { newE2eKey } from '../../crypto/e2e-stream.js';
import type { ItemJson } from '../api-types.js';
import { fileBody, isPlainAsciiName, multipartBody, newEncryption, stdinBody } from '../body.js';
import type { Encryption } from '../body.js';
import { refuseOverLimit } from '../prepared-body.js';
import type { PreparedBody } from '../prepared-body.js';
import type { Context } from '../context.js';
import { ApiError, CliError, NetworkError, UsageError, plainHttpIdentityHint } from '../errors.js';
import { remember } from '../item-store.js';
import { resumableCreate, wantsResumable } from '../resumable-upload.js';
import { withProofOfWork } from '../proof-of-work.js';
import { formatBytes, ProgressTap } from '../progress.js';
import { parseDuration } from '../refs.js';

export interface CreateOptions {
  encrypt: boolean;
  expiry?: string;
  burn?: boolean;
  maxDownloads?: string;
  name?: string;
  json?: boolean;
  save: boolean;
  /** --resumable / --no-resumable; undefined: tus from RESUMABLE_THRESHOLD on. */
  resumable?: boolean;
}

/** The body and headers of a creation or update from FILE, "-" or stdin. */
export async function prepareBody(file: string | undefined, options: { encrypt: boolean; name?: string | undefined; key?: Buffer | undefined }): Promise<PreparedBody> {
  const fromStdin = file === undefined || file === '-';
  if (file === undefined && process.stdin.isTTY) throw new UsageError('nothing to send: give a FILE, or pipe data in (see fpaste --help)');
  const name = options.name ?? (fromStdin ? undefined : basename(file as string));
  const encryption: Encryption | null = options.encrypt ? newEncryption(options.key ?? newE2eKey(), name ? { name } : {}) : null;
  const content = fromStdin ? await stdinBody(encryption) : fileBody(file as string, encryption);
  let source = content;
  if (source.contentLength === 0) {
    source.dispose();
    throw new CliError('nothing to send: the input is empty');
  }
  const itemLength = source.length;
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  // Plain uploads name themselves in the clear (the server shows the name); encrypted ones never do.
  if (!encryption && name) {
    if (isPlainAsciiName(name)) headers['x-filename'] = name;
    else {
      const multipart = multipartBody(source, name);
      source = multipart.body;
      headers['content-type'] = multipart.contentType;
    }
  }
  return { source, content, ...(!encryption && name ? { plainName: name } : {}), itemLength, headers, encryption };
}

/** --max-downloads N: a whole number 1..1000, as the server takes X-Max-Downloads. */
export function parseMaxDownloads(value: string): number {
  const number = /^[1-9][0-9]{0,3}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(number <= 1000)) throw new UsageError('--max-downloads takes a whole number from 1 to 1000');
  return number;
}

export function expiryHeaders(options: { expiry?: string | undefined; burn?: boolean | undefined; maxDownloads?: string | undefined }): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.expiry !== undefined) headers['x-expiry'] = String(parseDuration(options.expiry, '--expiry'));
  if (options.burn !== undefined) headers['x-burn-after-read'] = options.burn ? '1' : '0';
  if (options.maxDownloads !== undefined) {
    if (options.burn === true) throw new UsageError('--burn and --max-downloads cannot be combined: burning after reading is one download');
    headers['x-max-downloads'] = String(parseMaxDownloads(options.maxDownloads));
  }
  return headers;
}

/** Sends a prepared body (again on every attempt); resolves with the server's JSON. */
export async function sendBody<T>(ctx: Context, method: 'POST' | 'PUT', path: string, body: PreparedBody, headers: Record<string, string>, label: string): Promise<T> {
  await refuseOverLimit(ctx, body);
  const client = ctx.client();
  const attempt = (extra: Record<string, string>) => {
    const tap = pipeline(body.source.open(), new ProgressTap(label, body.source.length), () => undefined);
    return client.json<T>(method, path, { headers: { ...body.headers, ...headers, ...extra }, body: tap, length: body.source.length });
  };
  try {
    // Updates need the owner's certificate and no proof of work.
    if (method === 'PUT') return await attempt({});
    return await withProofOfWork(client, 'paste', attempt, { tryWithout: ctx.hasIdentity() && !ctx.isPlainHttp() });
  } catch (error) {
    throw explainCreateRefusal(ctx, await diagnoseCutUpload(ctx, error, body.source.length), method);
  }
}

/**
 * AUTH_REQUIRED on a creation means a private instance (SEALBIN_CREATE_REQUIRES_AUTH): say so and
 * how to get in, rather than the generic "needs a certificate" of owner-only actions.
 */
export function explainCreateRefusal(ctx: Context, error: unknown, method: 'POST' | 'PUT' = 'POST'): unknown {
  if (method !== 'POST' || !(error instanceof ApiError) || error.code !== 'AUTH_REQUIRED') return error;
  if (ctx.hasIdentity() && ctx.isPlainHttp()) return new CliError(plainHttpIdentityHint(ctx.server));
  return new CliError('this server accepts uploads only from registered clients: fpaste register --configure (or pass --cert and --key)');
}

/**
 * A server refusing an upload from its Content-Length answers and closes at once; the reset can
 * reach us before the answer is read, leaving only "connection closed". Ask the server's limits
 * to tell the likely reason instead.
 */
async function diagnoseCutUpload(ctx: Context, error: unknown, length: number): Promise<unknown> {
  if (!(error instanceof NetworkError) || (error.code !== 'ECONNRESET' && error.code !== 'EPIPE')) return error;
  try {
    const info = await ctx.serverInfo();
    if (length > info.limits.max_size) return new CliError(`too large: ${formatBytes(length)} to send, and the server accepts at most ${formatBytes(info.limits.max_size)}`);
  } catch {
    // The original error says more than a failed diagnosis.
  }
  return error;
}

export function urlWithKey(url: string, key: Buffer | null): string {
  return key ? `${url}#${encodeKey(key)}` : url;
}

export async function createCommand(ctx: Context, file: string | undefined, options: CreateOptions, kind: 'paste' | 'file'): Promise<void> {
  const headers = expiryHeaders(options);
  const server = ctx.server;
  const body = await prepareBody(file, { encrypt: options.encrypt, name: options.name });
  let created: ItemJson;
  try {
    const label = file === undefined || file === '-' ? 'stdin' : file;
    const resumed = wantsResumable(body, options.resumable) ? await resumableCreate(ctx, body, { kind, headers, explicit: options.resumable === true, label }) : null;
    created = resumed ?? (await sendBody<ItemJson>(ctx, 'POST', kind === 'file' ? '/upload' : '/', body, headers, 'uploading'));
  } finally {
    body.source.dispose();
  }
  const key = body.encryption?.key ?? null;
  const printed = kind === 'file' && created.download_url ? created.download_url : created.url;
  if (options.save) {
    try {
      remember({
        server,
        id: created.id,
        ...(key ? { key: encodeKey(key) } : {}),
        ...(created.delete_token ? { delete_token: created.delete_token } : {}),
        ...(created.key ? { share_key: created.key } : {}),
        ...(body.encryption?.metadata.name ? { name: body.encryption.metadata.name } : options.name ? { name: options.name } : {}),
        created_at: created.created_at,
      });
    } catch (error) {
      // The item exists either way: its URL must still be printed, with the reason it is not remembered.
      console.error(`fpaste: warning: could not remember the key and delete token locally (${(error as Error).message}); keep the URL${created.delete_token ? ` and the delete token ${created.delete_token}` : ''}`);
    }
  }
  if (options.json) {
    const extra = key ? { e2e_key: encodeKey(key), url_with_key: urlWithKey(printed, key) } : {};
    process.stdout.write(`${JSON.stringify({ ...created, ...extra }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${urlWithKey(printed, key)}\n`);
  if (kind === 'file' && created.key && process.stderr.isTTY) console.error(`download key: ${created.key}${key ? `#${encodeKey(key)}` : ''}`);
}
