// One suite, every MetadataStore adapter: the behaviour the core relies on.
import { randomBytes } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import type { ItemRecord, MetadataStore } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';

function record(overrides: Partial<ItemRecord> = {}): ItemRecord {
  return {
    id: randomBytes(16).toString('hex'),
    kind: 'paste',
    keyHash: null,
    owner: null,
    deleteTokenHash: 'ab'.repeat(32),
    size: 5,
    mimeType: 'text/plain',
    filename: null,
    sha256: 'cd'.repeat(32),
    createdAt: 1000,
    expiresAt: 2000,
    burnAfterRead: false,
    burnedAt: null,
    downloads: 0,
    wrappedKey: randomBytes(61),
    blobId: null,
    inline: randomBytes(40),
    ...overrides,
  };
}

conformance('MetadataStore', metadataAdapters, (current) => {
  let store: MetadataStore;
  beforeEach(() => {
  store = current().metadata;
  });

  it('stores and returns every field unchanged', async () => {
    const item = record({ filename: 'a.txt', keyHash: 'ef'.repeat(32), kind: 'file', blobId: 'aa'.repeat(16), inline: null, expiresAt: null });
    await store.insertItem(item);
    expect(await store.getLive(item.id, 1500)).toEqual(item);
    expect(await store.getLiveByKeyHash('ef'.repeat(32), 1500)).toEqual(item);
  });

  it('hides expired items (expires_at <= now) and unknown ids', async () => {
    const item = record({ expiresAt: 2000 });
    await store.insertItem(item);
    expect(await store.getLive(item.id, 1999)).not.toBeNull();
    expect(await store.getLive(item.id, 2000)).toBeNull();
    expect(await store.getLive('0'.repeat(32), 1500)).toBeNull();
  });

  it('lets exactly one of many concurrent claims win a burn-after-read item', async () => {
    const item = record({ burnAfterRead: true });
    await store.insertItem(item);
    const results = await Promise.all(Array.from({ length: 25 }, () => store.claimBurn(item.id, 1500)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await store.getLive(item.id, 1500)).toBeNull();
  });

  it('never claims a non-burn or expired item', async () => {
    const plain = record();
    const expired = record({ burnAfterRead: true, expiresAt: 1200 });
    await store.insertItem(plain);
    await store.insertItem(expired);
    expect(await store.claimBurn(plain.id, 1500)).toBeNull();
    expect(await store.claimBurn(expired.id, 1500)).toBeNull();
  });

  it('adds download counts in batches', async () => {
    const item = record();
    const other = record();
    await store.insertItem(item);
    await store.insertItem(other);
    await store.addDownloads(new Map([[item.id, 2], [other.id, 5], ['f'.repeat(32), 1]]));
    await store.addDownloads(new Map([[item.id, 1]]));
    expect((await store.getLive(item.id, 1500))?.downloads).toBe(3);
    expect((await store.getLive(other.id, 1500))?.downloads).toBe(5);
  });

  it('deletes once and reports where the content lived', async () => {
    const item = record({ blobId: 'bb'.repeat(16), inline: null });
    await store.insertItem(item);
    expect(await store.hasBlob('bb'.repeat(16))).toBe(true);
    expect(await store.deleteItem(item.id)).toEqual({ id: item.id, blobId: 'bb'.repeat(16) });
    expect(await store.deleteItem(item.id)).toBeNull();
    expect(await store.hasBlob('bb'.repeat(16))).toBe(false);
  });

  it('lists expired and long-burned items as removable, not live ones', async () => {
    const live = record({ expiresAt: 5000 });
    const expired = record({ expiresAt: 1400 });
    const burned = record({ burnAfterRead: true });
    await store.insertItem(live);
    await store.insertItem(expired);
    await store.insertItem(burned);
    await store.claimBurn(burned.id, 1000);
    const due = (await store.listRemovable(1500, 1100, 10)).map((r) => r.id).sort();
    expect(due).toEqual([expired.id, burned.id].sort());
    expect((await store.listRemovable(1500, 900, 10)).map((r) => r.id)).toEqual([expired.id]);
  });

  it('refuses a second item with the same key hash', async () => {
    await store.insertItem(record({ keyHash: '12'.repeat(32) }));
    await expect(store.insertItem(record({ keyHash: '12'.repeat(32) }))).rejects.toThrow();
  });

  it('stores concurrent inserts, and a conflicting one fails alone', async () => {
    const items = Array.from({ length: 20 }, () => record());
    const clash = record({ id: items[3]?.id as string });
    const results = await Promise.allSettled([...items, clash].map((item) => store.insertItem(item)));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[20]?.status).toBe('rejected');
    for (const item of items) expect(await store.getLive(item.id, 1500)).not.toBeNull();
  });

  it('keeps settings', async () => {
    expect(await store.getSetting('x')).toBeNull();
    await store.setSetting('x', 'one');
    await store.setSetting('x', 'two');
    expect(await store.getSetting('x')).toBe('two');
    await store.ping();
  });
});
