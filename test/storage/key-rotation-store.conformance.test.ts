// One suite, every KeyRotationStore adapter: listing every wrapped key and compare-and-set
// replacement, so a rotation never overwrites a key a concurrent PUT has just written.
import { randomBytes } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import type { MetadataStores } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';
import { ca, item } from './records.js';

conformance('KeyRotationStore', metadataAdapters, (current) => {
  let stores: MetadataStores;
  beforeEach(() => {
    stores = current();
  });

  it('listWrappedKeys: every item, expired and burned ones too, in id order after `afterId`, `limit` at a time', async () => {
    expect(await stores.keys.listWrappedKeys('', 10)).toEqual([]);
    const items = [item(), item({ expiresAt: 1100 }), item({ burnAfterRead: true }), ...Array.from({ length: 6 }, () => item())];
    for (const i of items) await stores.metadata.insertItem(i);
    await stores.metadata.claimRead(items[2]?.id as string, 1050);
    const expected = items.map((i) => ({ id: i.id, wrappedKey: i.wrappedKey })).sort((a, b) => (a.id < b.id ? -1 : 1));
    const seen: { id: string; wrappedKey: Buffer }[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const batch = await stores.keys.listWrappedKeys(after, 4);
      expect(batch.length).toBeLessThanOrEqual(4);
      if (batch.length === 0) break;
      seen.push(...batch);
      after = batch[batch.length - 1]?.id as string;
    }
    expect(seen).toEqual(expected);
    expect(await stores.keys.listWrappedKeys(expected[4]?.id as string, 100)).toEqual(expected.slice(5));
  });

  it('replaceWrappedKey: replaces only while the key is still the old one', async () => {
    const target = item();
    await stores.metadata.insertItem(target);
    const next = randomBytes(61);
    expect(await stores.keys.replaceWrappedKey(target.id, target.wrappedKey, next)).toBe(true);
    expect((await stores.metadata.getLive(target.id, 1500))?.wrappedKey).toEqual(next);
    expect(await stores.keys.replaceWrappedKey(target.id, target.wrappedKey, randomBytes(61))).toBe(false);
    expect((await stores.metadata.getLive(target.id, 1500))?.wrappedKey).toEqual(next);
    expect(await stores.keys.replaceWrappedKey('0'.repeat(32), target.wrappedKey, next)).toBe(false);
  });

  it('replaceWrappedKey: loses to a PUT that re-keyed the item after the key was listed', async () => {
    const target = item();
    await stores.metadata.insertItem(target);
    const [listed] = await stores.keys.listWrappedKeys('', 1);
    const putKey = randomBytes(61);
    await stores.metadata.replaceContent(target.id, { size: 1, mimeType: 'text/plain', sha256: '77'.repeat(32), wrappedKey: putKey, blobId: null, inline: Buffer.from('x') }, 1500);
    expect(await stores.keys.replaceWrappedKey(target.id, listed?.wrappedKey as Buffer, randomBytes(61))).toBe(false);
    expect((await stores.metadata.getLive(target.id, 1500))?.wrappedKey).toEqual(putKey);
  });

  it('replaceCaSealedKey: false without a CA; replaces only while the sealed key is still the old one', async () => {
    const next = randomBytes(120);
    expect(await stores.keys.replaceCaSealedKey(randomBytes(120), next)).toBe(false);
    const record = ca();
    await stores.pki.createCa(record);
    expect(await stores.keys.replaceCaSealedKey(randomBytes(120), next)).toBe(false);
    expect(await stores.pki.getCa()).toEqual(record);
    expect(await stores.keys.replaceCaSealedKey(record.sealedKey, next)).toBe(true);
    expect(await stores.pki.getCa()).toEqual({ ...record, sealedKey: next });
    expect(await stores.keys.replaceCaSealedKey(record.sealedKey, randomBytes(120))).toBe(false);
  });

  it('listDigests / replaceDigest: every digest not sealed yet, in id order; replaced only while still the old one', async () => {
    const items = Array.from({ length: 5 }, () => item());
    for (const i of items) await stores.metadata.insertItem(i);
    // Already sealed: never listed again (a start with everything sealed reads no row).
    for (let n = 0; n < 3; n += 1) await stores.metadata.insertItem(item({ sha256: `sd1:sealed-${n}` }));
    const expected = items.map((i) => ({ id: i.id, digest: i.sha256 })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(await stores.keys.listDigests('', 3)).toEqual(expected.slice(0, 3));
    expect(await stores.keys.listDigests(expected[2]?.id as string, 3)).toEqual(expected.slice(3));
    const target = items[0] as (typeof items)[number];
    expect(await stores.keys.replaceDigest(target.id, target.sha256, 'sd1:sealed')).toBe(true);
    expect((await stores.metadata.getLive(target.id, 1500))?.sha256).toBe('sd1:sealed');
    // A PUT wrote a new digest meanwhile: the stale conversion must not overwrite it.
    expect(await stores.keys.replaceDigest(target.id, target.sha256, 'sd1:stale')).toBe(false);
    expect((await stores.metadata.getLive(target.id, 1500))?.sha256).toBe('sd1:sealed');
  });
});
