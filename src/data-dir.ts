// The data directory: created 0700 on first run; refused with a clear reason when unusable.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The SQLite database inside the data dir. */
export const DATABASE_FILE = 'sealbin.db';

export async function prepareDataDir(dir: string): Promise<string> {
  const path = resolve(dir);
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    const info = await stat(path);
    if (!info.isDirectory()) throw new Error('not a directory');
    // Other local users must not list item blobs or read the database. A directory we do not own
    // (a Kubernetes volume root, group-shared by fsGroup) may stay group-accessible, never world-accessible.
    if ((info.mode & 0o077) !== 0) {
      await chmod(path, 0o700).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPERM' || (info.mode & 0o007) !== 0) throw error;
      });
    }
    await access(path, constants.W_OK | constants.R_OK);
    const probe = join(path, `.write-test-${randomBytes(4).toString('hex')}`);
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
    await unlink(probe);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`data directory ${path} is not usable (${reason})`, { cause: error });
  }
  return path;
}

/** A stored blob: blobs/<2 hex>/<32 hex>. */
const BLOB_FILE = /^[0-9a-f]{32}$/;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

/**
 * What in `dir` was written under a master key (the database, its WAL, an encrypted blob), or null
 * for a fresh data dir: only a fresh one may get a newly generated key.
 */
export async function sealedStateIn(dir: string): Promise<string | null> {
  for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) if (await exists(join(dir, name))) return name;
  const blobs = join(dir, 'blobs');
  if (!(await exists(blobs))) return null;
  for (const sub of await readdir(blobs, { withFileTypes: true })) {
    if (!sub.isDirectory() || !/^[0-9a-f]{2}$/.test(sub.name)) continue;
    if ((await readdir(join(blobs, sub.name))).some((name) => BLOB_FILE.test(name))) return 'blobs/';
  }
  return null;
}
