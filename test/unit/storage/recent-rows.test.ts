// The recent-row cache in front of the SQLite item store: what it serves without asking the database,
// and everything that makes it ask again (a changed stamp, expiry, limited reads, its bounds).
import { describe, expect, it } from 'vitest';
import { RecentRowCache } from '../../../src/storage/sqlite/recent-rows.js';
import type { ItemRecord, MetadataStore } from '../../../src/storage/ports.js';
import { item } from '../../storage/records.js';

/** An inner store holding `rows`, counting lookups; everything else is unused here. */
function innerWith(rows: ItemRecord[]): { store: MetadataStore; lookups: () => number; rows: Map<string, ItemRecord> } {
  const byId = new Map(rows.map((row) => [row.id, row]));
  let lookups = 0;
  const store = {
    getLive: async (id: string, now: number) => {
      lookups += 1;
      const row = byId.get(id);
      return row && row.burnedAt === null && (row.expiresAt === null || row.expiresAt > now) ? { ...row } : null;
    },
    close: async () => undefined,
  } as unknown as MetadataStore;
  return { store, lookups: () => lookups, rows: byId };
}

describe('RecentRowCache', () => {
  it('serves a repeated read from the cache while the stamp is unchanged, and asks again once it changes', async () => {
    const row = item();
    const inner = innerWith([row]);
    let stamp = 'a';
    const cache = new RecentRowCache(inner.store, () => stamp);
    expect((await cache.getLive(row.id, 1500))?.id).toBe(row.id);
    expect((await cache.getLive(row.id, 1500))?.inline?.equals(row.inline as Buffer)).toBe(true);
    expect(inner.lookups()).toBe(1);
    // The row is deleted elsewhere: the stamp changes and the cache must not answer from memory.
    inner.rows.delete(row.id);
    stamp = 'b';
    expect(await cache.getLive(row.id, 1500)).toBeNull();
    expect(inner.lookups()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('a row read while the stamp changed under it is never served', async () => {
    const row = item();
    const inner = innerWith([row]);
    let stamp = 'a';
    const lookup = inner.store.getLive.bind(inner.store);
    // The write lands while the lookup runs (after the stamp was taken, before the row comes back).
    inner.store.getLive = async (id, now) => {
      const found = await lookup(id, now);
      stamp = 'b';
      return found;
    };
    const cache = new RecentRowCache(inner.store, () => stamp);
    await cache.getLive(row.id, 1500);
    await cache.getLive(row.id, 1500);
    expect(inner.lookups()).toBe(2);
  });

  it('checks expiry against each read: a cached row is null once its time has come', async () => {
    const row = item({ expiresAt: 2000 });
    const cache = new RecentRowCache(innerWith([row]).store, () => 'same');
    expect(await cache.getLive(row.id, 1999)).not.toBeNull();
    expect(await cache.getLive(row.id, 2000)).toBeNull();
    expect(await cache.getLive(row.id, 5000)).toBeNull();
  });

  it('never caches limited items (burn after read, download limits) or blob items', async () => {
    const rows = [item({ burnAfterRead: true }), item({ downloadsRemaining: 3 }), item({ inline: null, blobId: 'b'.repeat(32) })];
    const inner = innerWith(rows);
    const cache = new RecentRowCache(inner.store, () => 'same');
    for (const row of rows) {
      await cache.getLive(row.id, 1500);
      await cache.getLive(row.id, 1500);
    }
    expect(inner.lookups()).toBe(6);
    expect(cache.size).toBe(0);
  });

  it('hands out copies: a caller changing its record does not change what the next reader gets', async () => {
    const row = item();
    const cache = new RecentRowCache(innerWith([row]).store, () => 'same');
    const first = (await cache.getLive(row.id, 1500)) as ItemRecord;
    first.burnedAt = 1500;
    first.expiresAt = 1;
    expect((await cache.getLive(row.id, 1500))?.burnedAt).toBeNull();
  });

  it('stays within its entry and byte bounds, dropping the oldest rows first', async () => {
    const rows = Array.from({ length: 10 }, () => item({ inline: Buffer.alloc(100) }));
    const inner = innerWith(rows);
    const cache = new RecentRowCache(inner.store, () => 'same', { entries: 4, bytes: 250 });
    for (const row of rows) await cache.getLive(row.id, 1500);
    expect(cache.size).toBe(2);
    // The two newest are held; the first one is asked for again.
    const before = inner.lookups();
    await cache.getLive((rows[9] as ItemRecord).id, 1500);
    await cache.getLive((rows[8] as ItemRecord).id, 1500);
    expect(inner.lookups()).toBe(before);
    await cache.getLive((rows[0] as ItemRecord).id, 1500);
    expect(inner.lookups()).toBe(before + 1);
  });
});
