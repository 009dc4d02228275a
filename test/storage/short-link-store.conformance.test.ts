// One suite, every ShortLinkStore adapter.
import { beforeEach, expect, it } from 'vitest';
import type { ShortLinkRecord, ShortLinkStore } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';
import { link } from './records.js';

const ids = (links: ShortLinkRecord[]) => links.map((l) => l.id);

conformance('ShortLinkStore', metadataAdapters, (current) => {
  let store: ShortLinkStore;
  beforeEach(() => {
    store = current().links;
  });

  it('insertLink/getLiveLink: stores every field; an id already taken is refused and the first link stays', async () => {
    const first = link({ owner: 'a1'.repeat(32), clicks: 3, expiresAt: null });
    expect(await store.insertLink(first)).toBe(true);
    expect(await store.insertLink(link({ id: first.id, target: 'https://evil.example/' }))).toBe(false);
    expect(await store.getLiveLink(first.id, 1500)).toEqual(first);
  });

  it('getLiveLink: null once expired (expires_at <= now) and for unknown ids', async () => {
    const expiring = link({ expiresAt: 2000 });
    await store.insertLink(expiring);
    expect(await store.getLiveLink(expiring.id, 1999)).toEqual(expiring);
    expect(await store.getLiveLink(expiring.id, 2000)).toBeNull();
    expect(await store.getLiveLink('00000000', 1500)).toBeNull();
  });

  it('clickLink: concurrent clicks are all counted, each caller seeing its own count', async () => {
    const target = link();
    await store.insertLink(target);
    const results = await Promise.all(Array.from({ length: 25 }, () => store.clickLink(target.id, 1500)));
    expect(results.map((r) => r?.clicks).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 25 }, (_, n) => n + 1));
    expect(results[0]).toMatchObject({ id: target.id, target: target.target });
    expect((await store.getLiveLink(target.id, 1500))?.clicks).toBe(25);
  });

  it('clickLink: a limited link gives exactly its redirects left to concurrent clicks, then is hidden and swept', async () => {
    const limited = link({ clicksRemaining: 3 });
    await store.insertLink(limited);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.clickLink(limited.id, 1500)));
    const winners = results.filter((r): r is ShortLinkRecord => r !== null);
    expect(winners.map((w) => w.clicksRemaining).sort()).toEqual([0, 1, 2]);
    expect(winners.map((w) => w.clicks).sort()).toEqual([1, 2, 3]);
    expect(await store.getLiveLink(limited.id, 1500)).toBeNull();
    expect(ids(await store.listLinks(null, 1500))).not.toContain(limited.id);
    expect(await store.deleteExpiredLinks(1500)).toBe(1);
    expect(await store.deleteLink(limited.id)).toBe(false);
  });

  it('clickLink: null and nothing counted for an expired or unknown link', async () => {
    const expired = link({ expiresAt: 1200 });
    await store.insertLink(expired);
    expect(await store.clickLink(expired.id, 1500)).toBeNull();
    expect(await store.clickLink('00000000', 1500)).toBeNull();
    expect((await store.getLiveLink(expired.id, 1100))?.clicks).toBe(0);
  });

  it('listLinks: live links of one owner, or of everyone for null, newest first with ties by id descending', async () => {
    const alice = 'a1'.repeat(32);
    const a1 = link({ owner: alice, createdAt: 1100 });
    const a2 = link({ owner: alice, createdAt: 1300, id: 'AAAAAAAA' });
    const a3 = link({ owner: alice, createdAt: 1300, id: 'BBBBBBBB' });
    const expired = link({ owner: alice, createdAt: 1400, expiresAt: 1500 });
    const bobs = link({ owner: 'b0'.repeat(32), createdAt: 1200 });
    const anonymous = link({ createdAt: 1250, expiresAt: null });
    for (const l of [a1, a2, a3, expired, bobs, anonymous]) await store.insertLink(l);
    expect(ids(await store.listLinks(alice, 1500))).toEqual([a3.id, a2.id, a1.id]);
    expect(ids(await store.listLinks(null, 1500))).toEqual([a3.id, a2.id, anonymous.id, bobs.id, a1.id]);
    expect(await store.listLinks('c0'.repeat(32), 1500)).toEqual([]);
    expect(ids(await store.listLinks(alice, 1499))).toEqual([expired.id, a3.id, a2.id, a1.id]);
  });

  it('deleteLink: true once, false afterwards and for unknown ids', async () => {
    const target = link();
    await store.insertLink(target);
    expect(await store.deleteLink(target.id)).toBe(true);
    expect(await store.deleteLink(target.id)).toBe(false);
    expect(await store.getLiveLink(target.id, 1500)).toBeNull();
    expect(await store.deleteLink('00000000')).toBe(false);
  });

  it('deleteExpiredLinks: deletes links expired at now (inclusive), counts them, keeps the rest', async () => {
    const gone = [link({ expiresAt: 1200 }), link({ expiresAt: 1500 })];
    const kept = [link({ expiresAt: 1501 }), link({ expiresAt: null })];
    for (const l of [...gone, ...kept]) await store.insertLink(l);
    expect(await store.deleteExpiredLinks(1500)).toBe(2);
    expect(await store.deleteExpiredLinks(1500)).toBe(0);
    expect(ids(await store.listLinks(null, 0)).sort()).toEqual(ids(kept).sort());
  });
});
