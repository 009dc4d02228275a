// fpaste list, search and export: your own items (by client certificate), all pages.
import { closeSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikeE2e } from '../../crypto/e2e-format.js';
import type { ItemJson, ListJson } from '../api-types.js';
import type { Context } from '../context.js';
import { ApiError, CliError, UsageError } from '../errors.js';
import { itemsOn, lookup } from '../item-store.js';
import { fileOutput, safeFilename } from '../output.js';
import { formatBytes } from '../progress.js';
import { receive } from '../receive.js';
import { parseTime } from '../refs.js';
import { keyFrom } from './get.js';
import { formatTime } from './manage.js';

export interface ListOptions {
  type?: string;
  after?: string;
  before?: string;
  limit?: string;
  everyone?: boolean;
  json?: boolean;
}

function query(options: ListOptions, cursor: string | null, pageSize: number): string {
  const params = new URLSearchParams();
  if (options.type) params.set('type', options.type);
  if (options.after) params.set('after', String(parseTime(options.after, '--after')));
  if (options.before) params.set('before', String(parseTime(options.before, '--before')));
  if (options.everyone) params.set('all', '1');
  params.set('limit', String(pageSize));
  if (cursor) params.set('cursor', cursor);
  return `/pastes?${params.toString()}`;
}

/** Every matching item, following next_cursor (up to `--limit` items when given). */
export async function fetchAll(ctx: Context, options: ListOptions): Promise<ItemJson[]> {
  let limit = Infinity;
  if (options.limit !== undefined) {
    if (!/^[0-9]+$/.test(options.limit) || Number(options.limit) < 1) throw new UsageError('--limit must be a whole number ≥ 1');
    limit = Number(options.limit);
  }
  // Arguments first (usage errors, exit 2), then the identity.
  query(options, null, 1);
  ctx.requireIdentity('listing your items');
  const items: ItemJson[] = [];
  let cursor: string | null = null;
  do {
    const page: ListJson = await ctx.client().json<ListJson>('GET', query(options, cursor, Math.min(200, limit - items.length)));
    items.push(...page.pastes);
    cursor = page.next_cursor;
  } while (cursor && items.length < limit);
  return items.slice(0, limit);
}

export async function listCommand(ctx: Context, options: ListOptions): Promise<void> {
  const items = await fetchAll(ctx, options);
  if (options.json) return void process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  if (items.length === 0) return void console.error('no items');
  const rows = items.map((item) => {
    const known = lookup(item.id, ctx.server);
    return [item.id, formatTime(item.created_at), formatBytes(item.size), item.mime_type, formatTime(item.expires_at), `${item.burn_after_read ? 'burn ' : ''}${known?.key ? 'e2e' : ''}`.trim() || '-', item.filename ?? known?.name ?? ''];
  });
  const header = ['ID', 'CREATED', 'SIZE', 'TYPE', 'EXPIRES', 'FLAGS', 'NAME'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] as number))).join('  ')}\n`);
}

function startsLikeE2e(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    return looksLikeE2e(head.subarray(0, readSync(fd, head, 0, 16, 0)));
  } finally {
    closeSync(fd);
  }
}

interface IndexEntry {
  id: string;
  url: string;
  file: string | null;
  size: number;
  mime_type: string;
  /** null for a burn-after-read item: the server keeps its digest back until it is read. */
  sha256: string | null;
  created_at: number;
  expires_at: number | null;
  burn_after_read: boolean;
  filename: string | null;
  encrypted: boolean;
  decrypted: boolean;
  skipped?: string;
  error?: string;
}

/**
 * Exports every own item into DIR with an index.json. Encrypted items whose key is remembered are
 * decrypted; others are saved as received. Burn-after-read items are skipped unless asked for:
 * downloading one destroys it on the server.
 */
export async function exportCommand(ctx: Context, options: { output: string; includeBurn?: boolean; json?: boolean }): Promise<void> {
  const items = await fetchAll(ctx, {});
  mkdirSync(options.output, { recursive: true, mode: 0o700 });
  const server = ctx.server;
  const known = new Map(itemsOn(server).map((item) => [item.id, item]));
  const entries: IndexEntry[] = [];
  let failures = 0;
  for (const item of items) {
    const remembered = known.get(item.id);
    const entry: IndexEntry = {
      id: item.id,
      url: item.url,
      file: null,
      size: item.size,
      mime_type: item.mime_type,
      sha256: item.sha256,
      created_at: item.created_at,
      expires_at: item.expires_at,
      burn_after_read: item.burn_after_read,
      filename: item.filename ?? remembered?.name ?? null,
      encrypted: remembered?.key !== undefined,
      decrypted: false,
    };
    entries.push(entry);
    if (item.burn_after_read && !options.includeBurn) {
      entry.skipped = 'burn after read: downloading would destroy it (use --include-burn)';
      continue;
    }
    const key = keyFrom(remembered?.key);
    const fileName = (name: string | null) => (name ? `${item.id}-${safeFilename(name, '')}`.replace(/-$/, '') : item.id);
    entry.file = fileName(entry.filename);
    const output = fileOutput(join(options.output, entry.file), { existing: 'overwrite', mode: 0o600 });
    try {
      const response = await ctx.client().ok('GET', `/${item.id}/raw`);
      // A burn item's listing has no digest (the server keeps it back until the read): the read carries it.
      entry.sha256 ??= response.header('x-content-sha256') ?? null;
      const received = await receive({
        response,
        key,
        // Items whose key is not known here are kept as the server has them (ciphertext stays ciphertext).
        raw: key === null,
        output,
        refuseBinary: false,
        label: item.id.slice(0, 8),
        onMetadata: (metadata) => {
          if (!metadata.name) return;
          entry.filename = metadata.name;
          entry.file = fileName(metadata.name);
          output.retarget?.(join(options.output, entry.file));
        },
      });
      entry.decrypted = received.encrypted;
      if (!received.encrypted && startsLikeE2e(join(options.output, entry.file))) {
        entry.encrypted = true;
        renameSync(join(options.output, entry.file), join(options.output, `${entry.file}.sbee`));
        entry.file = `${entry.file}.sbee`;
      }
    } catch (error) {
      output.abort();
      entry.file = null;
      failures++;
      entry.error = error instanceof ApiError || error instanceof CliError ? error.message : String(error);
    }
  }
  const index = { server, exported_at: Math.floor(Date.now() / 1000), items: entries };
  const indexPath = join(options.output, 'index.json');
  writeFileSync(`${indexPath}.tmp`, `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${indexPath}.tmp`, indexPath);
  const saved = entries.filter((entry) => entry.file !== null).length;
  console.error(`exported ${saved} of ${items.length} items to ${options.output} (index.json)${failures ? `; ${failures} failed` : ''}`);
  if (failures > 0) throw new CliError(`${failures} item(s) could not be exported; see index.json`);
}
