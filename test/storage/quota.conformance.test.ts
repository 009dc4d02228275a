// One suite, every MetadataStore adapter: quotas over live items as the core relies on them. The
// check runs in the transaction that inserts (or replaces), so it is exact under concurrent writes.
import { beforeEach, expect, it } from 'vitest';
import { QuotaOverrun } from '../../src/storage/ports.js';
import type { ContentUpdate, MetadataStore, QuotaClaim } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';
import { item } from './records.js';

const ALICE = `owner:${'0a'.repeat(32)}`;
const GROUP = `group:${'1b'.repeat(32)}`;
const claim = (overrides: Partial<QuotaClaim> = {}): QuotaClaim => ({ key: GROUP, maxBytes: 0, maxItems: 0, now: 1000, ...overrides });

async function refusal(promise: Promise<unknown>): Promise<QuotaOverrun> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QuotaOverrun);
  return error as QuotaOverrun;
}

const content = (size: number): ContentUpdate => ({ size, mimeType: 'text/plain', sha256: 'ef'.repeat(32), wrappedKey: Buffer.alloc(61, 7), blobId: null, inline: Buffer.alloc(40, 1) });

conformance('MetadataStore quotas', metadataAdapters, (current) => {
  let store: MetadataStore;
  beforeEach(() => {
    store = current().metadata;
  });

  it('quotaUsage: counts live items and bytes per key, whatever the limits (0 = none), and keys apart', async () => {
    await store.insertItem(item({ size: 100 }), claim());
    await store.insertItem(item({ size: 5 * 2 ** 30 }), claim());
    await store.insertItem(item({ size: 7 }), claim({ key: ALICE }));
    await store.insertItem(item({ size: 9 }));
    expect(await store.quotaUsage(GROUP, 1500)).toEqual({ items: 2, bytes: 100 + 5 * 2 ** 30 });
    expect(await store.quotaUsage(ALICE, 1500)).toEqual({ items: 1, bytes: 7 });
    expect(await store.quotaUsage(`group:${'2c'.repeat(32)}`, 1500)).toEqual({ items: 0, bytes: 0 });
  });

  it('items: exactly at the limit is stored, one more is refused with what is in use, and nothing of it is stored', async () => {
    for (let i = 0; i < 3; i++) await store.insertItem(item(), claim({ maxItems: 3 }));
    const extra = item();
    const error = await refusal(store.insertItem(extra, claim({ maxItems: 3 })));
    expect([error.quota, error.used, error.limit]).toEqual(['items', 3, 3]);
    expect(await store.getLive(extra.id, 1500)).toBeNull();
    // Someone else's quota is untouched.
    await store.insertItem(item(), claim({ key: ALICE, maxItems: 3 }));
  });

  it('bytes: content that reaches the limit exactly is stored, one byte more is refused', async () => {
    await store.insertItem(item({ size: 60 }), claim({ maxBytes: 100 }));
    await store.insertItem(item({ size: 40 }), claim({ maxBytes: 100 }));
    const error = await refusal(store.insertItem(item({ size: 1 }), claim({ maxBytes: 100 })));
    expect([error.quota, error.used, error.limit]).toEqual(['bytes', 100, 100]);
    const other = await refusal(store.insertItem(item({ size: 101 }), claim({ key: ALICE, maxBytes: 100 })));
    expect([other.quota, other.used, other.limit]).toEqual(['bytes', 0, 100]);
  });

  it('expired (not yet swept), burned and deleted items hold no quota', async () => {
    const expiring = item({ size: 50, expiresAt: 1200 });
    const burn = item({ size: 50, burnAfterRead: true, expiresAt: null });
    const deleted = item({ size: 50, expiresAt: null });
    for (const i of [expiring, burn, deleted]) await store.insertItem(i, claim({ maxItems: 3, maxBytes: 150 }));
    const later = (size: number) => item({ size, createdAt: 1000, expiresAt: 2000 });
    const at1300 = claim({ maxItems: 3, maxBytes: 150, now: 1300 });
    // Checked at 1300 the expired one no longer counts (whatever the new item's creation time): one more fits.
    await store.insertItem(later(50), at1300);
    expect(await refusal(store.insertItem(later(1), at1300))).toMatchObject({ quota: 'items', used: 3 });
    expect(await store.claimRead(burn.id, 1300)).not.toBeNull();
    expect(await store.deleteItem(deleted.id)).not.toBeNull();
    expect(await store.quotaUsage(GROUP, 1300)).toEqual({ items: 1, bytes: 50 });
    await store.insertItem(later(100), at1300);
    expect(await refusal(store.insertItem(later(1), at1300))).toMatchObject({ quota: 'bytes', used: 150 });
  });

  it('items stored without a claim (before quotas) count against nobody', async () => {
    await store.insertItem(item({ size: 10 }));
    await store.insertItem(item({ size: 10 }), claim({ maxItems: 1 }));
    expect(await store.quotaUsage(GROUP, 1500)).toEqual({ items: 1, bytes: 10 });
  });

  it('20 concurrent inserts of one key under an item quota of 5: exactly 5 are stored, in one group commit or many', async () => {
    const items = Array.from({ length: 20 }, () => item());
    const results = await Promise.allSettled(items.map((i) => store.insertItem(i, claim({ maxItems: 5 }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(QuotaOverrun);
    expect(await store.quotaUsage(GROUP, 1500)).toEqual({ items: 5, bytes: 25 });
    const stored = await Promise.all(items.map((i) => store.getLive(i.id, 1500)));
    expect(stored.filter((s) => s !== null)).toHaveLength(5);
  });

  it('20 concurrent inserts of 10 bytes under a byte quota of 55: exactly 5 are stored; another key in the batch is unaffected', async () => {
    const mine = Array.from({ length: 20 }, () => store.insertItem(item({ size: 10 }), claim({ maxBytes: 55 })));
    const theirs = Array.from({ length: 3 }, () => store.insertItem(item({ size: 10 }), claim({ key: ALICE, maxBytes: 55 })));
    const results = await Promise.allSettled(mine);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    await Promise.all(theirs);
    expect(await store.quotaUsage(GROUP, 1500)).toEqual({ items: 5, bytes: 50 });
    expect(await store.quotaUsage(ALICE, 1500)).toEqual({ items: 3, bytes: 30 });
  });

  it('a refused row in a batch that also fails for another reason still fails alone', async () => {
    await store.insertItem(item({ keyHash: '77'.repeat(32) }));
    const over = [item(), item(), item()];
    const clash = item({ keyHash: '77'.repeat(32) });
    const results = await Promise.allSettled([...over.map((i) => store.insertItem(i, claim({ maxItems: 2 }))), store.insertItem(clash)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(results[3]?.status).toBe('rejected');
    expect((results[3] as PromiseRejectedResult).reason).not.toBeInstanceOf(QuotaOverrun);
    expect(results.slice(0, 3).filter((r) => r.status === 'rejected' && r.reason instanceof QuotaOverrun)).toHaveLength(1);
  });

  it('replaceContent: growth counts the new size minus the old against the item\'s key; shrinking is never refused', async () => {
    const a = item({ size: 40 });
    const b = item({ size: 40 });
    await store.insertItem(a, claim({ key: ALICE }));
    await store.insertItem(b, claim({ key: ALICE }));
    await store.insertItem(item({ size: 1000 }), claim());
    // 40 (b) + 60 = 100: exactly at the limit.
    expect(await store.replaceContent(a.id, content(60), 1500, 100)).not.toBeNull();
    const error = await refusal(store.replaceContent(a.id, content(61), 1500, 100));
    expect([error.quota, error.used, error.limit]).toEqual(['bytes', 40, 100]);
    expect((await store.getLive(a.id, 1500))?.size).toBe(60);
    // Over a quota lowered since: shrinking (or keeping the size) passes.
    expect(await store.replaceContent(a.id, content(50), 1500, 10)).not.toBeNull();
    expect(await store.replaceContent(a.id, content(50), 1500, 10)).not.toBeNull();
    expect(await store.quotaUsage(ALICE, 1500)).toEqual({ items: 2, bytes: 90 });
    // No limit given: anything goes.
    expect(await store.replaceContent(a.id, content(10_000), 1500)).not.toBeNull();
  });

  it('replaceContent: concurrent growth of two items under one byte quota never overshoots', async () => {
    const items = Array.from({ length: 6 }, () => item({ size: 10 }));
    for (const i of items) await store.insertItem(i, claim({ key: ALICE }));
    // 60 in use, quota 100: each grows by 10, so exactly 4 of 6 fit.
    const results = await Promise.allSettled(items.map((i) => store.replaceContent(i.id, content(20), 1500, 100)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(await store.quotaUsage(ALICE, 1500)).toEqual({ items: 6, bytes: 100 });
  });
});
