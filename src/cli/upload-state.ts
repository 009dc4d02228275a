// What fpaste keeps about an unfinished resumable upload, so that running the same command again
// (after fpaste itself died, or the machine rebooted) continues it: the upload URL and, for an
// end-to-end encrypted upload, the key and nonce prefix that regenerate the same ciphertext. One
// file per upload in $XDG_DATA_HOME/fpaste/uploads/ (mode 0600 in 0700 directories: it holds the
// key), named by a hash of server + absolute path + size + mtime, removed once the upload finishes.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataDir, ensurePrivateDir } from './paths.js';

export interface UploadIdentity {
  server: string;
  /** Absolute path of the file. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface UploadState extends UploadIdentity {
  version: 1;
  /** The upload's path under the server's base URL (from the creation's Location). */
  upload: string;
  /** Bytes the server expects in all (ciphertext length when encrypted). */
  length: number;
  kind: 'paste' | 'file';
  /** The creation headers that shape the item (expiry, burn): a different command starts over. */
  options: Record<string, string>;
  /** base64url E2E key and hex nonce prefix; absent for plain uploads. */
  key?: string;
  prefix?: string;
  /** The name: inside the ciphertext when encrypted, else sent as tus metadata. */
  name?: string;
  created_at: number;
}

export function uploadsDir(): string {
  return join(dataDir(), 'uploads');
}

export function identityOf(server: string, file: { path: string; size: number; mtimeMs: number }): UploadIdentity {
  return { server, path: resolve(file.path), size: file.size, mtimeMs: file.mtimeMs };
}

export function statePath(identity: UploadIdentity): string {
  const digest = createHash('sha256').update(JSON.stringify([identity.server, identity.path, identity.size, identity.mtimeMs])).digest('hex');
  return join(uploadsDir(), `${digest.slice(0, 40)}.json`);
}

function isState(value: unknown, identity: UploadIdentity): value is UploadState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Partial<UploadState>;
  return (
    state.version === 1 &&
    state.server === identity.server &&
    state.path === identity.path &&
    state.size === identity.size &&
    state.mtimeMs === identity.mtimeMs &&
    typeof state.upload === 'string' &&
    typeof state.length === 'number' &&
    (state.kind === 'paste' || state.kind === 'file') &&
    typeof state.options === 'object' &&
    state.options !== null &&
    (state.key === undefined || typeof state.key === 'string') &&
    (state.prefix === undefined || /^[0-9a-f]{14}$/.test(state.prefix)) &&
    (state.name === undefined || typeof state.name === 'string')
  );
}

/** The state of an unfinished upload of this file to this server, or null (none, or unreadable). */
export function loadState(identity: UploadIdentity): UploadState | null {
  let text: string;
  try {
    text = readFileSync(statePath(identity), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isState(parsed, identity)) return parsed;
  } catch {
    // A torn or foreign file: treated as no state (and replaced by the next save).
  }
  return null;
}

/** Writes the state atomically (temp file, then rename), mode 0600. */
export function saveState(state: UploadState): void {
  ensurePrivateDir(uploadsDir());
  const path = statePath(state);
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state)}\n`, { mode: 0o600, flag: 'wx' });
  // A umask cannot widen it, but a copied-in directory might have: the file holds a key.
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function removeState(identity: UploadIdentity): void {
  try {
    unlinkSync(statePath(identity));
  } catch {
    // Already gone.
  }
}

/**
 * States of earlier uploads of the same path to the same server whose file has since changed (size
 * or mtime): they can never resume, so the caller terminates them rather than leave them behind.
 */
export function outdatedStates(identity: UploadIdentity): { upload: string; file: string }[] {
  let names: string[];
  try {
    names = readdirSync(uploadsDir()).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const found: { upload: string; file: string }[] = [];
  for (const name of names) {
    const file = join(uploadsDir(), name);
    try {
      const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<UploadState>;
      if (state.server === identity.server && state.path === identity.path && typeof state.upload === 'string' && (state.size !== identity.size || state.mtimeMs !== identity.mtimeMs)) found.push({ upload: state.upload, file });
    } catch {
      // Not ours to judge: left alone.
    }
  }
  return found;
}

export function removeStateFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/** Whether the file still has the size and mtime the upload was started with. */
export function unchanged(identity: UploadIdentity): boolean {
  try {
    const stat = statSync(identity.path);
    return stat.size === identity.size && stat.mtimeMs === identity.mtimeMs;
  } catch {
    return false;
  }
}
