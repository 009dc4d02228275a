// PartialStore on the local filesystem: <dir>/<id>.state (JSON, replaced by rename) and <id>.log (the
// sealed segment log). Files are 0600 in a 0700 directory: ciphertext, but sizes and timing are
// still nobody's business. The directory appears with the first upload, not at start.
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PartialLog, PartialStore } from '../ports.js';
import { fsyncDir, shredFile } from './shred.js';

const UPLOAD_ID = /^[0-9a-f]{32}$/;
// A state being replaced is written to `<id>.state.tmp` first; a crash before its rename leaves it.
// Earlier code named it `<id>.state.<8 hex>.tmp`: nothing writes that name any more, so the sweep's
// listing removes such leftovers without taking the upload's lock.
const LEGACY_TEMP = /^[0-9a-f]{32}\.state\.[0-9a-f]{8}\.tmp$/;

/** Removes a file that may not exist; any other failure (EACCES, EIO) is the caller's to see. */
async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

export class FsPartialStore implements PartialStore {
  readonly shared = false;

  constructor(
    private readonly root: string,
    private readonly shredPasses: number,
  ) {}

  private pathOf(id: string, suffix: 'state' | 'log' | 'state.tmp'): string {
    // Path traversal: ids come from URLs; only our own 32-hex form ever becomes a path.
    if (!UPLOAD_ID.test(id)) throw Object.assign(new Error('malformed upload id'), { code: 'ENOENT' });
    return join(this.root, `${id}.${suffix}`);
  }

  async create(id: string, state: string): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const log = await open(this.pathOf(id, 'log'), 'wx', 0o600);
    await log.close();
    await this.writeState(id, state);
  }

  async readState(id: string): Promise<string | null> {
    if (!UPLOAD_ID.test(id)) return null;
    try {
      return await readFile(this.pathOf(id, 'state'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async writeState(id: string, state: string): Promise<void> {
    const target = this.pathOf(id, 'state');
    // One fixed name: every write of an upload's state holds its lock (core/resumable-uploads.ts),
    // and no other process writes this directory (the store is not shared), so `remove` knows it.
    const temp = this.pathOf(id, 'state.tmp');
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(state, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await fsyncDir(this.root);
  }

  async openLog(id: string): Promise<PartialLog> {
    const handle = await open(this.pathOf(id, 'log'), 'r+');
    return {
      size: async () => (await handle.stat()).size,
      read: async (position, length) => {
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buffer, 0, length, position);
        return buffer.subarray(0, bytesRead);
      },
      write: async (data, position) => {
        let written = 0;
        while (written < data.length) written += (await handle.write(data, written, data.length - written, position + written)).bytesWritten;
      },
      sync: () => handle.datasync(),
      truncate: (size) => handle.truncate(size),
      close: () => handle.close(),
    };
  }

  async remove(id: string): Promise<void> {
    if (!UPLOAD_ID.test(id)) return;
    await shredFile(this.pathOf(id, 'log'), this.shredPasses);
    await unlinkIfPresent(this.pathOf(id, 'state'));
    // What a crash between a state's write and its rename left behind goes with the upload.
    await unlinkIfPresent(this.pathOf(id, 'state.tmp'));
    await fsyncDir(this.root).catch((error: NodeJS.ErrnoException) => {
      // No directory: no upload was ever made here, so nothing was removed that needs a sync.
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async *list(): AsyncIterable<string> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const ids = new Set<string>();
    for (const name of names) {
      if (LEGACY_TEMP.test(name)) {
        await unlink(join(this.root, name)).catch(() => undefined);
        continue;
      }
      const id = name.slice(0, 32);
      // An id left with only a temporary state file is listed too, so the sweep removes that file.
      if (UPLOAD_ID.test(id) && (name.endsWith('.state') || name.endsWith('.log') || name.endsWith('.state.tmp'))) ids.add(id);
    }
    yield* ids;
  }
}
