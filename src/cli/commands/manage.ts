// fpaste delete, info and update.
import { encodeKey } from '../../crypto/e2e-format.js';
import { newE2eKey } from '../../crypto/e2e-stream.js';
import type { ItemJson, ServerInfoJson } from '../api-types.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { forget, itemsOn, lookup, rememberUpdate } from '../item-store.js';
import { formatBytes } from '../progress.js';
import { parsePasteRef, parseShareRef } from '../refs.js';
import { expiryHeaders, prepareBody, sendBody, urlWithKey } from './create.js';
import { keyFrom } from './get.js';

/** A paste id/URL, or a file share's download key/URL whose id was remembered at upload. */
function deletableRef(ctx: Context, refText: string): { id: string; base: string } {
  try {
    const ref = parsePasteRef(refText);
    return { id: ref.id, base: ref.base ?? ctx.server };
  } catch (error) {
    let share;
    try {
      share = parseShareRef(refText);
    } catch {
      throw error;
    }
    const base = share.base ?? ctx.server;
    const known = itemsOn(base).find((item) => item.share_key === share.phrase);
    if (!known) throw new UsageError('this download key was not uploaded from here: delete the share by its id (fpaste upload --json shows it)');
    return { id: known.id, base };
  }
}

export async function deleteCommand(ctx: Context, refText: string, options: { token?: string }): Promise<void> {
  const ref = deletableRef(ctx, refText);
  const base = ref.base;
  const token = options.token ?? lookup(ref.id, base)?.delete_token;
  // The token goes only in its header (never a URL), and only to the server that issued it.
  const headers: Record<string, string> = token ? { 'x-delete-token': token } : {};
  await ctx.client(base).ok('DELETE', `/${ref.id}`, { headers });
  forget(base, ref.id);
  process.stdout.write(`deleted ${ref.id}\n`);
}

export function formatSeconds(seconds: number): string {
  if (seconds === 0) return 'never';
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function formatTime(unix: number | null): string {
  if (unix === null) return 'never';
  return new Date(unix * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export async function infoCommand(ctx: Context, refText: string | undefined, options: { json?: boolean }): Promise<void> {
  if (refText !== undefined) {
    const ref = parsePasteRef(refText);
    const base = ref.base ?? ctx.server;
    const item = await ctx.client(base).json<ItemJson>('GET', `/${ref.id}`);
    if (options.json) return void process.stdout.write(`${JSON.stringify(item, null, 2)}\n`);
    const known = lookup(ref.id, base);
    const lines = [
      ['id', item.id],
      ['url', item.url],
      ['size', `${formatBytes(item.size)} (${item.size} bytes)`],
      ['type', item.mime_type],
      ['sha256', item.sha256 ?? 'withheld until read (burn after read, or a download limit)'],
      ['created', formatTime(item.created_at)],
      ['expires', formatTime(item.expires_at)],
      ['burn after read', item.burn_after_read ? 'yes' : 'no'],
      // An older server sends no such field: nothing to say then.
      ...(item.downloads_remaining === undefined ? [] : [['downloads left', item.downloads_remaining === null ? 'unlimited' : String(item.downloads_remaining)]]),
      ['owner', item.owner ?? 'anonymous'],
      ['filename', item.filename ?? (known?.name ? `${known.name} (inside the encryption)` : '-')],
      ['encrypted end to end', ref.key || known?.key ? 'yes (key known here)' : 'unknown (no key here)'],
    ];
    for (const [label, value] of lines) process.stdout.write(`${`${label}:`.padEnd(22)}${value}\n`);
    return;
  }
  const client = ctx.client();
  const info = await client.json<ServerInfoJson>('GET', '/');
  if (options.json) return void process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  const lines = [
    ['server', `${client.base} (${info.name} ${info.version})`],
    ['max size', `${formatBytes(info.limits.max_size)}`],
    ['default expiry', formatSeconds(info.limits.default_expiry)],
    ['max expiry', info.limits.max_expiry === 0 ? 'none' : formatSeconds(info.limits.max_expiry)],
    ['proof of work', info.pow.enabled ? `on, difficulty ${info.pow.difficulty} bits` : 'off'],
    ['encryption required', info.encryption_required ? 'yes' : 'no'],
    ['identity', ctx.hasIdentity() ? `client certificate ${ctx.settings.values.cert}${ctx.isPlainHttp() ? ' (never presented: the server is plain HTTP)' : ''}` : 'anonymous'],
  ];
  for (const [label, value] of lines) process.stdout.write(`${`${label}:`.padEnd(22)}${value}\n`);
}

export interface UpdateOptions {
  /** true: --encrypt, false: -E/--no-encrypt, undefined: keep the item's kind. */
  encrypt?: boolean;
  expiry?: string;
  burn?: boolean;
  maxDownloads?: string;
  name?: string;
  json?: boolean;
}

/** What fpaste knows of an item's current encryption: its key, plain, or nothing. */
type Kind = { encrypted: true; key: Buffer } | { encrypted: false } | { encrypted: 'unknown' };

/**
 * Whether new content should be encrypted, without ever flipping a plain paste to encrypted (its
 * readers would get ciphertext) or an encrypted one to plain (its content would be published).
 */
async function currentKind(ctx: Context, id: string, keyText: string | undefined, remembered: boolean): Promise<Kind> {
  const key = keyFrom(keyText);
  if (key) return { encrypted: true, key };
  // Created or updated here without a key: fpaste always remembers the key of what it encrypts.
  if (remembered) return { encrypted: false };
  // End-to-end ciphertext is always stored nameless as application/octet-stream.
  const item = await ctx.client().json<ItemJson>('GET', `/${id}`);
  if (item.filename !== undefined || item.mime_type !== 'application/octet-stream') return { encrypted: false };
  return { encrypted: 'unknown' };
}

/** Replaces content and/or metadata of an item you own (PUT; needs your client certificate). */
export async function updateCommand(ctx: Context, refText: string, file: string | undefined, options: UpdateOptions): Promise<void> {
  const ref = parsePasteRef(refText);
  const base = ref.base ?? ctx.server;
  if (base !== ctx.server) throw new UsageError(`${refText} is on another server than the configured one (${ctx.server}); updates need your identity there`);
  const headers = expiryHeaders(options);
  if (file === undefined && Object.keys(headers).length === 0 && options.name === undefined) throw new UsageError('nothing to update: give a FILE (or - for stdin), --expiry, --burn/--no-burn or --name');
  ctx.requireIdentity('updating a paste');
  const known = lookup(ref.id, base);
  let key: Buffer | null;
  let item: ItemJson;
  if (file !== undefined) {
    const kind = await currentKind(ctx, ref.id, ref.key ?? known?.key, known !== undefined);
    let encrypt = options.encrypt;
    if (encrypt === undefined) {
      if (kind.encrypted === 'unknown') {
        throw new UsageError(
          `cannot tell whether ${ref.id} is end-to-end encrypted (no key for it here, and the server sees only binary data): give its URL with #KEY to keep it encrypted under the same key, -E to replace it with plain content, or --encrypt to encrypt under a new key (links already shared will not open it)`,
        );
      }
      encrypt = kind.encrypted;
    }
    // Keep the item's key when known, so links already shared still open the new content.
    const existing = encrypt && kind.encrypted === true ? kind.key : null;
    if (encrypt && !existing) console.error(`fpaste: ${kind.encrypted === false ? 'this item was plain: the new content is encrypted under a new key' : 'the key of this item is not known here: the new content gets a new key'} (old links will not open it)`);
    // The remembered name was encrypted: reuse it only inside new ciphertext, never publish it with -E.
    const body = await prepareBody(file, { encrypt, name: options.name ?? (encrypt ? known?.name : undefined), key: existing ?? (encrypt ? newE2eKey() : undefined) });
    key = body.encryption?.key ?? null;
    try {
      item = await sendBody<ItemJson>(ctx, 'PUT', `/${ref.id}`, body, headers, 'uploading');
    } finally {
      body.source.dispose();
    }
  } else {
    if (options.name !== undefined) {
      if (!/^[\x20-\x7e]+$/.test(options.name)) throw new UsageError('a name with non-ASCII characters can only be set together with new content');
      // Honesty: this name is metadata the server stores and shows in the clear.
      headers['x-filename'] = options.name;
      if (known?.key) console.error('fpaste: note: --name without content sets a name the server sees (the encrypted name inside the content is unchanged)');
    }
    item = await ctx.client().json<ItemJson>('PUT', `/${ref.id}`, { headers });
    key = keyFrom(ref.key ?? known?.key);
  }
  if (file !== undefined) rememberUpdate(base, ref.id, { ...(key ? { key: encodeKey(key) } : { key: undefined }), ...(options.name ? { name: options.name } : {}) });
  if (options.json) return void process.stdout.write(`${JSON.stringify(key ? { ...item, url_with_key: urlWithKey(item.url, key) } : item, null, 2)}\n`);
  process.stdout.write(`${urlWithKey(item.url, key)}\n`);
}
