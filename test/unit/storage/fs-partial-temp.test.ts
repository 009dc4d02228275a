// The filesystem partial store replaces a state by writing a temporary file and renaming it. What a
// failed rename or a crash in between leaves must not stay on disk for ever: the sweep only removes
// what `list()` names and `remove()` deletes.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FsPartialStore } from '../../../src/storage/fs/fs-partial-store.js';

let root: string;
let store: FsPartialStore;
const id = () => randomBytes(16).toString('hex');

async function listed(): Promise<string[]> {
  const found: string[] = [];
  for await (const upload of store.list()) found.push(upload);
  return found.sort();
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sealbin-partial-temp-'));
  store = new FsPartialStore(root, 0);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it('a state whose rename fails leaves no temporary file behind', async () => {
  const upload = id();
  await store.create(upload, '{"v":1}');
  // A non-empty directory where the state goes: rename(2) refuses to replace it.
  await rm(join(root, `${upload}.state`));
  await mkdir(join(root, `${upload}.state`, 'blocker'), { recursive: true });
  await expect(store.writeState(upload, '{"v":2}')).rejects.toThrow();
  expect((await readdir(root)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
});

it('temporary states a crash left are listed and go with their upload; older random names go at once', async () => {
  const whole = id();
  const orphan = id();
  const legacy = id();
  const other = id();
  await store.create(whole, '{"v":1}');
  await store.create(other, '{"v":1}');
  await writeFile(join(root, `${whole}.state.tmp`), '{"v":2}');
  // Only a temporary file: a crash cut the upload's first state write, or the rest was removed.
  await writeFile(join(root, `${orphan}.state.tmp`), '{"v":1}');
  // The name earlier code gave its temporary files.
  await writeFile(join(root, `${legacy}.state.0badc0de.tmp`), '{"v":1}');
  expect(await listed()).toEqual([whole, orphan, other].sort());
  expect(await readdir(root)).not.toContain(`${legacy}.state.0badc0de.tmp`);

  await store.remove(whole);
  await store.remove(orphan);
  expect((await readdir(root)).sort()).toEqual([`${other}.log`, `${other}.state`]);
  expect(await listed()).toEqual([other]);
});
