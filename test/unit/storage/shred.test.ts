// shredFile: the bytes are overwritten in place (every pass flushed) before the name goes. Seen from
// outside: a descriptor or a second hard link kept on the file still reaches the inode after the
// unlink, and must find random bytes there, not the old content and not a truncated file.
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shredFile } from '../../../src/storage/fs/shred.js';
import { expectOverwritten, holdFile } from '../../helpers/data-dir.js';

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealbin-shred-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('shredFile', () => {
  it('overwrites every byte before unlinking: a descriptor held on the file sees random bytes of the same size', async () => {
    const dir = scratch();
    const path = join(dir, 'blob');
    // Over the 1 MiB block and not a multiple of it: the last, short block is overwritten too.
    writeFileSync(path, randomBytes(2 * 1024 * 1024 + 4321));
    const held = holdFile(path);
    try {
      await shredFile(path, 1);
      expect(existsSync(path)).toBe(false);
      expectOverwritten(held.original, held.now(), 'the shredded file');
    } finally {
      held.close();
    }
  });

  it('a second hard link (the same inode) is left with overwritten bytes, and only the shredded name goes', async () => {
    const dir = scratch();
    const path = join(dir, 'blob');
    const other = join(dir, 'other-name');
    const content = Buffer.from('the secret ciphertext, block after block\n'.repeat(3000));
    writeFileSync(path, content);
    linkSync(path, other);
    await shredFile(path, 2);
    expect(existsSync(path)).toBe(false);
    expectOverwritten(content, readFileSync(other), 'the inode seen through its other link');
    expect(statSync(other).nlink).toBe(1);
  });

  it('a small file (under one block) is overwritten too', async () => {
    const dir = scratch();
    const path = join(dir, 'small');
    writeFileSync(path, Buffer.from('tiny secret!'.repeat(50)));
    const held = holdFile(path);
    try {
      await shredFile(path, 1);
      expect(existsSync(path)).toBe(false);
      expectOverwritten(held.original, held.now(), 'the small file');
    } finally {
      held.close();
    }
  });

  it('a missing file is fine (cleanup may race with a delete)', async () => {
    const dir = scratch();
    await expect(shredFile(join(dir, 'gone'), 1)).resolves.toBeUndefined();
  });
});
