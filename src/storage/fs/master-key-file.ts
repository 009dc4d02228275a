// The master key file: created once with mode 0600 (O_EXCL, so two racing starts cannot both create one).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';

/** The key file is missing where creating one is not allowed (data written with another key exists). */
export class MissingKeyError extends Error {
  override readonly name = 'MissingKeyError';
  constructor(readonly path: string) {
    super(`master key file ${path} is missing`);
  }
}

/**
 * Reads the 32-byte master key at `path`, creating it on first run (only when `mayCreate`).
 * Refuses a key file that group or others can read: that would leak every item's key.
 */
export async function loadOrCreateMasterKey(path: string, mayCreate = true): Promise<{ key: Buffer; created: boolean }> {
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new Error(`master key file ${path} is accessible by group or others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    const text = (await readFile(path, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`master key file ${path} is not 64 hex characters`);
    return { key: Buffer.from(text, 'hex'), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!mayCreate) throw new MissingKeyError(path);
  const key = randomBytes(32);
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(`${key.toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { key, created: true };
}
