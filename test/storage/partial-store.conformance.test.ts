// One suite, every PartialStore adapter: the state document and the byte-addressed segment log of
// partial (tus) uploads, as src/core/resumable-uploads.ts uses them.
import { randomBytes } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import type { PartialLog, PartialStore } from '../../src/storage/ports.js';
import { conformance, partialAdapters } from './adapters.js';

const id = () => randomBytes(16).toString('hex');

async function ids(store: PartialStore): Promise<string[]> {
  const found: string[] = [];
  for await (const upload of store.list()) found.push(upload);
  return found.sort();
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
  throw new Error('expected a rejection');
}

/** Appends `parts` at the end of the log, one write each (as the core writes one segment per write). */
async function append(log: PartialLog, parts: Buffer[]): Promise<void> {
  for (const part of parts) await log.write(part, await log.size());
}

conformance('PartialStore', partialAdapters, (current) => {
  let store: PartialStore;
  beforeEach(() => {
    store = current();
  });

  it('creates an upload with its state and an empty log; unknown ids have neither', async () => {
    const upload = id();
    expect(await ids(store)).toEqual([]);
    await store.create(upload, '{"v":1}');
    expect(await store.readState(upload)).toBe('{"v":1}');
    expect(await ids(store)).toEqual([upload]);
    const log = await store.openLog(upload);
    expect(await log.size()).toBe(0);
    expect((await log.read(0, 16)).length).toBe(0);
    await log.close();
    const other = id();
    expect(await store.readState(other)).toBeNull();
    expect(await codeOf(store.openLog(other))).toBe('ENOENT');
  });

  it('replaces the state as a whole', async () => {
    const upload = id();
    await store.create(upload, '{"length":null}');
    await store.writeState(upload, '{"length":1234}');
    expect(await store.readState(upload)).toBe('{"length":1234}');
  });

  it('appends, syncs and reads back any byte range, across writes and after reopening', async () => {
    const upload = id();
    await store.create(upload, '{}');
    const parts = [randomBytes(65_568), randomBytes(100), randomBytes(40_000), randomBytes(65_568)];
    const all = Buffer.concat(parts);
    const log = await store.openLog(upload);
    await append(log, parts);
    await log.sync();
    expect(await log.size()).toBe(all.length);
    // A head, a whole write, a span over three writes, and a read running past the end.
    expect((await log.read(0, 4)).equals(all.subarray(0, 4))).toBe(true);
    expect((await log.read(65_568, 100)).equals(parts[1] as Buffer)).toBe(true);
    expect((await log.read(65_000, 50_000)).equals(all.subarray(65_000, 115_000))).toBe(true);
    expect((await log.read(all.length - 10, 100)).equals(all.subarray(all.length - 10))).toBe(true);
    await log.close();
    const again = await store.openLog(upload);
    expect(await again.size()).toBe(all.length);
    expect((await again.read(65_668, 16)).equals(all.subarray(65_668, 65_684))).toBe(true);
    expect((await again.read(0, all.length)).equals(all)).toBe(true);
    await again.close();
  });

  it('truncates at a write boundary and inside a write; appends go on from the new end', async () => {
    const upload = id();
    await store.create(upload, '{}');
    const parts = [randomBytes(1000), randomBytes(2000), randomBytes(3000)];
    const log = await store.openLog(upload);
    await append(log, parts);
    await log.sync();
    await log.truncate(3000);
    await log.sync();
    expect(await log.size()).toBe(3000);
    await log.truncate(1500);
    await log.sync();
    expect(await log.size()).toBe(1500);
    const tail = randomBytes(700);
    await append(log, [tail]);
    await log.sync();
    await log.close();
    const again = await store.openLog(upload);
    expect(await again.size()).toBe(2200);
    const expected = Buffer.concat([(parts[0] as Buffer), (parts[1] as Buffer).subarray(0, 500), tail]);
    expect((await again.read(0, 5000)).equals(expected)).toBe(true);
    await again.close();
  });

  it('remove takes the state and the log; removing twice or an unknown id is fine', async () => {
    const upload = id();
    const kept = id();
    await store.create(upload, '{}');
    await store.create(kept, '{}');
    const log = await store.openLog(upload);
    await append(log, [randomBytes(5000)]);
    await log.sync();
    await log.close();
    await store.remove(upload);
    expect(await store.readState(upload)).toBeNull();
    expect(await codeOf(store.openLog(upload))).toBe('ENOENT');
    expect(await ids(store)).toEqual([kept]);
    await store.remove(upload);
    await store.remove(id());
    expect(await store.readState(kept)).toBe('{}');
  });

  it('lists more uploads than one page', async () => {
    const made = Array.from({ length: 520 }, id);
    for (const upload of made) await store.create(upload, '{}');
    expect(await ids(store)).toEqual([...made].sort());
  }, 60_000);
});
