// What fpaste remembers about items it created: the end-to-end key (needed to read them back,
// e.g. by `export`) and the delete token (needed to delete an anonymous paste). Both are
// capabilities, so the file ($XDG_DATA_HOME/fpaste/items.jsonl) is mode 0600 in a 0700 directory.
// Append-only JSON lines: concurrent fpaste runs each append whole lines, nobody rewrites the file.
import { appendFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, ensurePrivateDir } from './paths.js';

export interface StoredItem {
  server: string;
  id: string;
  /** base64url end-to-end key, when encrypted. */
  key?: string;
  delete_token?: string;
  /** Diceware download key of a file share. */
  share_key?: string;
  name?: string;
  created_at?: number;
}

type Line = ({ op: 'put' } & StoredItem) | { op: 'del'; server: string; id: string };

export function storePath(): string {
  return join(dataDir(), 'items.jsonl');
}

function readLines(): Line[] {
  const path = storePath();
  if (!existsSync(path)) return [];
  const lines: Line[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      const line = JSON.parse(text) as Line;
      if (typeof line === 'object' && line !== null && typeof line.id === 'string' && typeof line.server === 'string') lines.push(line);
    } catch {
      // A line torn by a crash is skipped; the rest of the file stays usable.
    }
  }
  return lines;
}

function append(line: Line): void {
  ensurePrivateDir(dataDir());
  const path = storePath();
  appendFileSync(path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  // appendFileSync's mode applies only on creation; a file someone widened is narrowed again.
  chmodSync(path, 0o600);
}

export function remember(item: StoredItem): void {
  append({ op: 'put', ...item });
}

/** Updates fields of a remembered item (or starts remembering it). */
export function rememberUpdate(server: string, id: string, fields: Partial<StoredItem>): void {
  const current = lookup(id, server);
  append({ op: 'put', ...(current ?? {}), ...fields, server, id });
}

export function forget(server: string, id: string): void {
  append({ op: 'del', server, id });
}

function fold(lines: Line[]): Map<string, StoredItem> {
  const items = new Map<string, StoredItem>();
  for (const line of lines) {
    const slot = `${line.server} ${line.id}`;
    if (line.op === 'del') items.delete(slot);
    else {
      const { op: _op, ...item } = line;
      items.set(slot, item);
    }
  }
  return items;
}

/** The item with this id (on `server` if given, else on any server). */
export function lookup(id: string, server?: string): StoredItem | undefined {
  let found: StoredItem | undefined;
  for (const item of fold(readLines()).values()) if (item.id === id && (server === undefined || item.server === server)) found = item;
  return found;
}

export function itemsOn(server: string): StoredItem[] {
  return [...fold(readLines()).values()].filter((item) => item.server === server);
}
