import { randomFill } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

const BLOCK = 1024 * 1024;
/** In libuv's thread pool: a sweep shredding many large blobs must not fill them on the event loop. */
function fillRandom(block: Buffer, length: number): Promise<void> {
  return new Promise((resolve, reject) => randomFill(block, 0, length, (error) => (error ? reject(error) : resolve())));
}

/** fsync a directory so that a rename or unlink in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Overwrites a file with random bytes `passes` times (each pass flushed), then unlinks it.
 * Missing files are fine (idempotent: cleanup may race with a delete). Note: on copy-on-write or
 * wear-levelled storage an overwrite may not reach the old blocks; the real guarantee is that
 * content is encrypted and its key is destroyed with the row.
 */
export async function shredFile(path: string, passes: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const block = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(size, 1)));
    for (let pass = 0; pass < passes; pass++) {
      for (let offset = 0; offset < size; offset += block.length) {
        const length = Math.min(block.length, size - offset);
        await fillRandom(block, length);
        await handle.write(block, 0, length, offset);
      }
      await handle.datasync();
    }
  } catch (error) {
    // A full copy-on-write filesystem (btrfs, ZFS) needs new blocks to overwrite: unlink anyway, or a
    // full disk could never be freed by deleting. The content is ciphertext whose key dies with its row.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
  } finally {
    await handle.close();
  }
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await fsyncDir(dirname(path));
}
