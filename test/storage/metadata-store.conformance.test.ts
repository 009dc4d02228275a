// One suite, every MetadataStore adapter: each method of the port, as the core relies on it.
import { randomBytes } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import type { ItemQuery, ItemRecord, MetadataStore, RemovedItem } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';
import { item } from './records.js';

const query = (overrides: Partial<ItemQuery> = {}): ItemQuery => ({ owner: null, typePattern: null, after: null, before: null, now: 1500, limit: 100, cursor: null, ...overrides });
const ids = (items: ItemRecord[]) => items.map((i) => i.id);
/** Newest first, ties broken by id descending: the order listItems promises. */
const newestFirst = (items: ItemRecord[]) => ids([...items].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)));

conformance('MetadataStore', metadataAdapters, (current) => {
  let store: MetadataStore;
  beforeEach(() => {
    store = current().metadata;
  });

  it('insertItem/getLive/getLiveByKeyHash: every field comes back unchanged, including sizes beyond 32 bits', async () => {
    const file = item({ kind: 'file', filename: 'a.txt', keyHash: 'ef'.repeat(32), blobId: 'aa'.repeat(16), inline: null, expiresAt: null, size: 5 * 2 ** 30, createdAt: 1_800_000_000 });
    const owned = item({ owner: '0f'.repeat(32), deleteTokenHash: null, burnAfterRead: true, downloads: 7, mimeType: 'image/png' });
    await store.insertItem(file);
    await store.insertItem(owned);
    expect(await store.getLive(file.id, 1_800_000_001)).toEqual(file);
    expect(await store.getLiveByKeyHash('ef'.repeat(32), 1_800_000_001)).toEqual(file);
    expect(await store.getLive(owned.id, 1500)).toEqual(owned);
  });

  it('getLive/getLiveByKeyHash: hide expired items (expires_at <= now), burned items and unknown ids', async () => {
    const expiring = item({ expiresAt: 2000, keyHash: '01'.repeat(32) });
    const burned = item({ burnAfterRead: true, keyHash: '02'.repeat(32) });
    await store.insertItem(expiring);
    await store.insertItem(burned);
    expect(await store.getLive(expiring.id, 1999)).not.toBeNull();
    expect(await store.getLiveByKeyHash('01'.repeat(32), 1999)).not.toBeNull();
    expect(await store.getLive(expiring.id, 2000)).toBeNull();
    expect(await store.getLiveByKeyHash('01'.repeat(32), 2000)).toBeNull();
    expect(await store.claimRead(burned.id, 1500)).not.toBeNull();
    expect(await store.getLive(burned.id, 1500)).toBeNull();
    expect(await store.getLiveByKeyHash('02'.repeat(32), 1500)).toBeNull();
    expect(await store.getLive('0'.repeat(32), 1500)).toBeNull();
    expect(await store.getLiveByKeyHash('03'.repeat(32), 1500)).toBeNull();
  });

  it('insertItem: refuses a second item with the same key hash (one diceware key, one item)', async () => {
    await store.insertItem(item({ keyHash: '12'.repeat(32) }));
    await expect(store.insertItem(item({ keyHash: '12'.repeat(32) }))).rejects.toThrow();
  });

  it('insertItem: concurrent inserts are all stored, and a conflicting one fails alone (group commit)', async () => {
    const items = Array.from({ length: 20 }, () => item());
    const clash = item({ id: items[3]?.id as string });
    const results = await Promise.allSettled([...items, clash].map((i) => store.insertItem(i)));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[20]?.status).toBe('rejected');
    for (const i of items) expect(await store.getLive(i.id, 1500)).toEqual(i);
  });

  it('claimRead: a burn item: exactly one of many concurrent claims wins, with burnedAt set and the read counted', async () => {
    const burn = item({ burnAfterRead: true, downloads: 0 });
    await store.insertItem(burn);
    const results = await Promise.all(Array.from({ length: 25 }, () => store.claimRead(burn.id, 1500)));
    const winners = results.filter((r) => r !== null);
    expect(winners).toEqual([{ ...burn, burnedAt: 1500, downloads: 1, downloadsRemaining: 0 }]);
    expect(await store.getLive(burn.id, 1500)).toBeNull();
    expect(await store.claimRead(burn.id, 1501)).toBeNull();
  });

  it('claimRead: never claims an unlimited, expired or unknown item', async () => {
    const plain = item();
    const expired = item({ burnAfterRead: true, expiresAt: 1200 });
    await store.insertItem(plain);
    await store.insertItem(expired);
    expect(await store.claimRead(plain.id, 1500)).toBeNull();
    expect(await store.claimRead(expired.id, 1500)).toBeNull();
    expect(await store.claimRead('0'.repeat(32), 1500)).toBeNull();
    expect(await store.getLive(plain.id, 1500)).toEqual(plain);
  });

  it('claimRead: a limit of N: exactly N of many concurrent claims win, counting down, the last one burns it', async () => {
    const limited = item({ downloadsRemaining: 4, downloads: 2 });
    await store.insertItem(limited);
    const results = await Promise.all(Array.from({ length: 30 }, () => store.claimRead(limited.id, 1500)));
    const winners = results.filter((r): r is ItemRecord => r !== null);
    expect(winners).toHaveLength(4);
    // Each winner saw a different count: the decrement is atomic, no two claims took the same read.
    expect(winners.map((w) => w.downloadsRemaining).sort()).toEqual([0, 1, 2, 3]);
    expect(winners.map((w) => w.downloads).sort()).toEqual([3, 4, 5, 6]);
    expect(winners.filter((w) => w.burnedAt !== null).map((w) => [w.downloadsRemaining, w.burnedAt])).toEqual([[0, 1500]]);
    expect(await store.getLive(limited.id, 1500)).toBeNull();
    expect(await store.claimRead(limited.id, 1501)).toBeNull();
  });

  it('claimRead: the item stays visible, with what is left, until its last read is taken', async () => {
    const limited = item({ downloadsRemaining: 2, keyHash: '5a'.repeat(32) });
    await store.insertItem(limited);
    expect((await store.claimRead(limited.id, 1500))?.downloadsRemaining).toBe(1);
    expect(await store.getLive(limited.id, 1500)).toEqual({ ...limited, downloadsRemaining: 1, downloads: 1 });
    expect((await store.getLiveByKeyHash('5a'.repeat(32), 1500))?.downloadsRemaining).toBe(1);
    expect(await store.claimRead(limited.id, 2000)).toBeNull(); // expired by then
  });

  it('endRead: only the end of the last open read of a spent item says remove, once', async () => {
    const limited = item({ downloadsRemaining: 2 });
    await store.insertItem(limited);
    expect(await store.claimRead(limited.id, 1500)).not.toBeNull();
    expect(await store.endRead(limited.id)).toBe(false); // one read left: nothing to remove
    expect(await store.claimRead(limited.id, 1500)).not.toBeNull();
    expect(await store.endRead(limited.id)).toBe(true);
    expect(await store.endRead(limited.id)).toBe(false); // no open read left to end
    expect(await store.endRead('0'.repeat(32))).toBe(false);

    // The last read taken while an earlier one is still being sent: the earlier reader's end removes it.
    const overlapping = item({ downloadsRemaining: 2 });
    await store.insertItem(overlapping);
    await store.claimRead(overlapping.id, 1500);
    await store.claimRead(overlapping.id, 1500);
    const ends = await Promise.all([store.endRead(overlapping.id), store.endRead(overlapping.id)]);
    expect(ends.filter(Boolean)).toHaveLength(1);
  });

  it('updateMetadata: sets and clears the reads left', async () => {
    const plain = item();
    await store.insertItem(plain);
    expect(await store.updateMetadata(plain.id, { downloadsRemaining: 7 }, 1500)).toBe(true);
    expect((await store.getLive(plain.id, 1500))?.downloadsRemaining).toBe(7);
    expect(await store.updateMetadata(plain.id, { downloadsRemaining: null }, 1500)).toBe(true);
    expect((await store.getLive(plain.id, 1500))?.downloadsRemaining).toBeNull();
  });

  it('addDownloads: adds counts for several items at once, ignores unknown ids and empty batches', async () => {
    const one = item();
    const other = item({ downloads: 10 });
    await store.insertItem(one);
    await store.insertItem(other);
    await store.addDownloads(new Map([[one.id, 2], [other.id, 5], ['f'.repeat(32), 1]]));
    await store.addDownloads(new Map([[one.id, 1]]));
    await store.addDownloads(new Map());
    expect((await store.getLive(one.id, 1500))?.downloads).toBe(3);
    expect((await store.getLive(other.id, 1500))?.downloads).toBe(15);
  });

  it('addDownloads: overlapping batches flushed at once in opposite orders all count (no deadlock)', async () => {
    const items = Array.from({ length: 30 }, () => item());
    for (const i of items) await store.insertItem(i);
    const forward = new Map(items.map((i) => [i.id, 1]));
    const backward = new Map([...items].reverse().map((i) => [i.id, 2]));
    await Promise.all(Array.from({ length: 6 }, (_, n) => store.addDownloads(n % 2 === 0 ? forward : backward)));
    for (const i of items) expect((await store.getLive(i.id, 1500))?.downloads).toBe(9);
  });

  it('addDownloads: a batch larger than one statement holds (2,500 items) is counted whole', async () => {
    const items = Array.from({ length: 2500 }, () => item());
    await Promise.all(items.map((i) => store.insertItem(i)));
    await store.addDownloads(new Map(items.map((i, n) => [i.id, (n % 3) + 1])));
    const listed = await store.listItems({ owner: null, typePattern: null, after: null, before: null, now: 1500, limit: 3000, cursor: null });
    const byId = new Map(listed.map((i) => [i.id, i.downloads]));
    expect(items.every((i, n) => byId.get(i.id) === (n % 3) + 1)).toBe(true);
  });

  it('deleteItem: deletes once, whatever the state, and says where the content lived', async () => {
    const inBlob = item({ blobId: 'bb'.repeat(16), inline: null });
    const expired = item({ expiresAt: 1100 });
    const burned = item({ burnAfterRead: true });
    for (const i of [inBlob, expired, burned]) await store.insertItem(i);
    await store.claimRead(burned.id, 1050);
    expect(await store.deleteItem(inBlob.id)).toEqual({ id: inBlob.id, blobId: 'bb'.repeat(16) });
    expect(await store.deleteItem(inBlob.id)).toBeNull();
    expect(await store.deleteItem(expired.id)).toEqual({ id: expired.id, blobId: null });
    expect(await store.deleteItem(burned.id)).toEqual({ id: burned.id, blobId: null });
    expect(await store.removeDue(10_000, 10_000, 10)).toEqual([]);
  });

  it('hasBlob: true while any row, live or not, references the blob', async () => {
    const expired = item({ blobId: 'cc'.repeat(16), inline: null, expiresAt: 1100 });
    await store.insertItem(expired);
    expect(await store.hasBlob('cc'.repeat(16))).toBe(true);
    expect(await store.hasBlob('dd'.repeat(16))).toBe(false);
    await store.deleteItem(expired.id);
    expect(await store.hasBlob('cc'.repeat(16))).toBe(false);
  });

  it('removeDue: deletes what expired at now (inclusive) and what was burned strictly before the cut-off, never live items', async () => {
    const live = item({ expiresAt: 5000 });
    const forever = item({ expiresAt: null });
    const expiresNow = item({ expiresAt: 1500 });
    const burned = item({ burnAfterRead: true, blobId: 'ee'.repeat(16), inline: null });
    for (const i of [live, forever, expiresNow, burned]) await store.insertItem(i);
    await store.claimRead(burned.id, 1100);
    expect(await store.removeDue(1499, 1100, 10)).toEqual([]);
    expect(await store.removeDue(1500, 1100, 10)).toEqual([{ id: expiresNow.id, blobId: null }]);
    expect(await store.removeDue(1500, 1101, 10)).toEqual([{ id: burned.id, blobId: 'ee'.repeat(16) }]);
    expect(await store.removeDue(1500, 1101, 10)).toEqual([]);
    expect(await store.deleteItem(expiresNow.id)).toBeNull();
    expect(await store.hasBlob('ee'.repeat(16))).toBe(false);
    expect(await store.getLive(live.id, 1500)).toEqual(live);
    expect(await store.getLive(forever.id, 1500)).toEqual(forever);
  });

  it('removeDue: deletes at most `limit` rows per call, so a sweep commits in batches', async () => {
    for (let i = 0; i < 7; i++) await store.insertItem(item({ expiresAt: 1100 }));
    expect(await store.removeDue(1500, 0, 5)).toHaveLength(5);
    expect(await store.removeDue(1500, 0, 5)).toHaveLength(2);
    expect(await store.removeDue(1500, 0, 5)).toEqual([]);
  });

  it('removeDue: concurrent sweepers each get different rows, and together every due row (several instances)', async () => {
    const due = Array.from({ length: 60 }, (_, n) => item({ expiresAt: 1100, blobId: n % 2 === 0 ? randomBytes(16).toString('hex') : null, inline: null }));
    const live = Array.from({ length: 5 }, () => item({ expiresAt: 5000 }));
    await Promise.all([...due, ...live].map((i) => store.insertItem(i)));
    const sweeper = async () => {
      const got: RemovedItem[] = [];
      for (;;) {
        const batch = await store.removeDue(1500, 0, 7);
        if (batch.length === 0) return got;
        got.push(...batch);
      }
    };
    const removed = (await Promise.all(Array.from({ length: 6 }, sweeper))).flat();
    const byId = (a: RemovedItem, b: RemovedItem) => (a.id < b.id ? -1 : 1);
    expect(removed.sort(byId)).toEqual(due.map((i) => ({ id: i.id, blobId: i.blobId })).sort(byId));
    for (const i of live) expect(await store.getLive(i.id, 1500)).toEqual(i);
  });

  it('listItems: live items only, newest first with ties broken by id descending', async () => {
    const items = [item({ createdAt: 1100 }), item({ createdAt: 1300 }), item({ createdAt: 1300 }), item({ createdAt: 1200, expiresAt: null })];
    const expired = item({ createdAt: 1400, expiresAt: 1500 });
    const burned = item({ createdAt: 1400, burnAfterRead: true });
    for (const i of [...items, expired, burned]) await store.insertItem(i);
    await store.claimRead(burned.id, 1450);
    expect(ids(await store.listItems(query()))).toEqual(newestFirst(items));
  });

  it('listItems: filters by owner (null lists everyone), MIME pattern and creation time (both bounds exclusive)', async () => {
    const alice = 'a1'.repeat(32);
    const png = item({ owner: alice, mimeType: 'image/png', createdAt: 1100 });
    const jpeg = item({ owner: alice, mimeType: 'image/jpeg', createdAt: 1200 });
    const text = item({ owner: alice, mimeType: 'text/plain', createdAt: 1300 });
    const bobs = item({ owner: 'b0'.repeat(32), mimeType: 'image/png', createdAt: 1250 });
    const anonymous = item({ createdAt: 1150 });
    for (const i of [png, jpeg, text, bobs, anonymous]) await store.insertItem(i);
    expect(ids(await store.listItems(query({ owner: alice })))).toEqual([text.id, jpeg.id, png.id]);
    expect(ids(await store.listItems(query()))).toEqual([text.id, bobs.id, jpeg.id, anonymous.id, png.id]);
    expect(ids(await store.listItems(query({ owner: alice, typePattern: 'image/%' })))).toEqual([jpeg.id, png.id]);
    expect(ids(await store.listItems(query({ typePattern: 'image/png' })))).toEqual([bobs.id, png.id]);
    // MIME types are case-insensitive (RFC 2045): the filter is too, on every database.
    expect(ids(await store.listItems(query({ typePattern: 'IMAGE/PNG' })))).toEqual([bobs.id, png.id]);
    expect(ids(await store.listItems(query({ owner: alice, typePattern: 'Image/%' })))).toEqual([jpeg.id, png.id]);
    expect(ids(await store.listItems(query({ after: 1100, before: 1300 })))).toEqual([bobs.id, jpeg.id, anonymous.id]);
    expect(ids(await store.listItems(query({ owner: alice, after: 1300 })))).toEqual([]);
  });

  it('listItems: limit and keyset cursor page through every item exactly once, even across equal creation times', async () => {
    const items = Array.from({ length: 11 }, (_, n) => item({ createdAt: 1000 + Math.floor(n / 3) }));
    for (const i of items) await store.insertItem(i);
    const seen: string[] = [];
    let cursor: ItemQuery['cursor'] = null;
    for (let page = 0; page < 10; page++) {
      const rows = await store.listItems(query({ limit: 4, cursor }));
      expect(rows.length).toBeLessThanOrEqual(4);
      seen.push(...ids(rows));
      const last = rows[rows.length - 1];
      if (!last || rows.length < 4) break;
      cursor = { createdAt: last.createdAt, id: last.id };
    }
    expect(seen).toEqual(newestFirst(items));
  });

  it('replaceContent: swaps the content fields of a live item, keeps the rest, and names the old blob', async () => {
    const original = item({ blobId: '11'.repeat(16), inline: null, filename: 'a.bin', owner: 'a1'.repeat(32), downloads: 4 });
    await store.insertItem(original);
    const inline = { size: 3, mimeType: 'text/markdown', sha256: '99'.repeat(32), wrappedKey: Buffer.alloc(61, 7), blobId: null, inline: Buffer.from('new') };
    expect(await store.replaceContent(original.id, inline, 1500)).toEqual({ oldBlobId: '11'.repeat(16) });
    expect(await store.getLive(original.id, 1500)).toEqual({ ...original, ...inline });
    const inBlob = { size: 2 ** 33, mimeType: 'application/octet-stream', sha256: '88'.repeat(32), wrappedKey: Buffer.alloc(61, 8), blobId: '22'.repeat(16), inline: null };
    expect(await store.replaceContent(original.id, inBlob, 1500)).toEqual({ oldBlobId: null });
    expect(await store.getLive(original.id, 1500)).toEqual({ ...original, ...inBlob });
    expect(await store.hasBlob('11'.repeat(16))).toBe(false);
  });

  it('replaceContent: racing replacements each get a distinct old blob, so every replaced blob is shredded once', async () => {
    const original = item({ blobId: '10'.repeat(16), inline: null });
    await store.insertItem(original);
    const blobIds = Array.from({ length: 10 }, (_, n) => n.toString(16).padStart(2, '0').repeat(16));
    const results = await Promise.all(blobIds.map((blobId) => store.replaceContent(original.id, { size: 1, mimeType: 'text/plain', sha256: '66'.repeat(32), wrappedKey: Buffer.alloc(61, 6), blobId, inline: null }, 1500)));
    const shredded = results.map((r) => r?.oldBlobId);
    const final = (await store.getLive(original.id, 1500))?.blobId;
    expect([...shredded, final].sort()).toEqual([original.blobId, ...blobIds].sort());
  });

  it('replaceContent: null and no change for an expired, burned or unknown item', async () => {
    const expired = item({ expiresAt: 1200 });
    const burned = item({ burnAfterRead: true });
    await store.insertItem(expired);
    await store.insertItem(burned);
    await store.claimRead(burned.id, 1100);
    const content = { size: 1, mimeType: 'text/plain', sha256: '77'.repeat(32), wrappedKey: Buffer.alloc(61, 1), blobId: '33'.repeat(16), inline: null };
    expect(await store.replaceContent(expired.id, content, 1500)).toBeNull();
    expect(await store.replaceContent(burned.id, content, 1500)).toBeNull();
    expect(await store.replaceContent('0'.repeat(32), content, 1500)).toBeNull();
    expect(await store.hasBlob('33'.repeat(16))).toBe(false);
    expect(await store.getLive(expired.id, 1100)).toEqual(expired);
  });

  it('updateMetadata: changes only the fields given, including to null', async () => {
    const original = item({ filename: 'a.txt' });
    await store.insertItem(original);
    expect(await store.updateMetadata(original.id, { expiresAt: 9000 }, 1500)).toBe(true);
    expect(await store.getLive(original.id, 1500)).toEqual({ ...original, expiresAt: 9000 });
    expect(await store.updateMetadata(original.id, { filename: 'b.txt', burnAfterRead: true }, 1500)).toBe(true);
    expect(await store.getLive(original.id, 1500)).toEqual({ ...original, expiresAt: 9000, filename: 'b.txt', burnAfterRead: true });
    expect(await store.updateMetadata(original.id, { expiresAt: null, filename: null, burnAfterRead: false }, 1500)).toBe(true);
    expect(await store.getLive(original.id, 99_999)).toEqual({ ...original, expiresAt: null, filename: null, burnAfterRead: false });
  });

  it('updateMetadata: a burn flag with its one read set afterwards makes the item claimable once', async () => {
    const later = item();
    await store.insertItem(later);
    expect(await store.claimRead(later.id, 1500)).toBeNull();
    await store.updateMetadata(later.id, { burnAfterRead: true, downloadsRemaining: 1 }, 1500);
    expect(await store.claimRead(later.id, 1500)).not.toBeNull();
    expect(await store.claimRead(later.id, 1500)).toBeNull();
  });

  it('updateMetadata: false and no change for an expired, burned or unknown item; an empty update reports liveness', async () => {
    const live = item();
    const expired = item({ expiresAt: 1200 });
    const burned = item({ burnAfterRead: true });
    for (const i of [live, expired, burned]) await store.insertItem(i);
    await store.claimRead(burned.id, 1100);
    expect(await store.updateMetadata(expired.id, { expiresAt: 9000 }, 1500)).toBe(false);
    expect(await store.updateMetadata(burned.id, { filename: 'x' }, 1500)).toBe(false);
    expect(await store.updateMetadata('0'.repeat(32), { filename: 'x' }, 1500)).toBe(false);
    expect(await store.getLive(expired.id, 1100)).toEqual(expired);
    expect(await store.updateMetadata(live.id, {}, 1500)).toBe(true);
    expect(await store.updateMetadata(expired.id, {}, 1500)).toBe(false);
  });

  it('getSetting/setSetting: absent is null, a later value replaces an earlier one, names are apart', async () => {
    expect(await store.getSetting('x')).toBeNull();
    await store.setSetting('x', 'one');
    await store.setSetting('x', 'two');
    await store.setSetting('y', 'ü'.repeat(2000));
    expect(await store.getSetting('x')).toBe('two');
    expect(await store.getSetting('y')).toBe('ü'.repeat(2000));
    expect(await store.getSetting('X')).toBeNull();
  });

  it('setSettingIfAbsent: the first value stays; of racing creators all read back the one winner', async () => {
    expect(await store.setSettingIfAbsent('root', 'first')).toBe('first');
    expect(await store.setSettingIfAbsent('root', 'second')).toBe('first');
    expect(await store.getSetting('root')).toBe('first');
    const racers = await Promise.all(Array.from({ length: 12 }, (_, n) => store.setSettingIfAbsent('raced', `value-${n}`)));
    expect(new Set(racers).size).toBe(1);
    expect(await store.getSetting('raced')).toBe(racers[0]);
  });

  it('ping resolves on a usable store and rejects once it is closed', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });
});
