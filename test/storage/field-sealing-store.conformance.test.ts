// One suite, every FieldSealingStore adapter: listing the stored file names and link targets (every
// row, expired and burned ones too) and compare-and-set replacement, so the start-up sealing pass
// never overwrites a value written meanwhile.
import { beforeEach, expect, it } from 'vitest';
import type { MetadataStores } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';
import { item, link } from './records.js';

conformance('FieldSealingStore', metadataAdapters, (current) => {
  let stores: MetadataStores;
  beforeEach(() => {
    stores = current();
  });

  it('listFields items.filename: named items only, in id order after `afterId`, `limit` at a time', async () => {
    expect(await stores.fields.listFields('items.filename', '', 10)).toEqual([]);
    const named = [item({ filename: 'a.txt' }), item({ filename: 'b.txt', expiresAt: 1100 }), item({ filename: 'c.txt', burnAfterRead: true })];
    for (const i of [...named, item({ filename: null })]) await stores.metadata.insertItem(i);
    await stores.metadata.claimRead(named[2]?.id as string, 1050);
    const expected = named.map((i) => ({ id: i.id, value: i.filename as string })).sort((a, b) => (a.id < b.id ? -1 : 1));
    const first = await stores.fields.listFields('items.filename', '', 2);
    expect(first).toEqual(expected.slice(0, 2));
    expect(await stores.fields.listFields('items.filename', first[1]?.id as string, 10)).toEqual(expected.slice(2));
  });

  it('listFields short_links.target: every link in id order', async () => {
    const links = [link({ target: 'https://example.org/1' }), link({ target: 'https://example.org/2', expiresAt: 1100 })];
    for (const l of links) await stores.links.insertLink(l);
    const expected = links.map((l) => ({ id: l.id, value: l.target })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(await stores.fields.listFields('short_links.target', '', 10)).toEqual(expected);
  });

  it('replaceField: replaces only while the value is still the old one', async () => {
    const named = item({ filename: 'old.txt' });
    await stores.metadata.insertItem(named);
    expect(await stores.fields.replaceField('items.filename', named.id, 'old.txt', 'sealed-1')).toBe(true);
    expect((await stores.metadata.getLive(named.id, 1500))?.filename).toBe('sealed-1');
    expect(await stores.fields.replaceField('items.filename', named.id, 'old.txt', 'sealed-2')).toBe(false);
    const target = link({ target: 'https://example.org/t' });
    await stores.links.insertLink(target);
    expect(await stores.fields.replaceField('short_links.target', target.id, 'https://example.org/t', 'sealed-3')).toBe(true);
    expect((await stores.links.getLiveLink(target.id, 1500))?.target).toBe('sealed-3');
    expect(await stores.fields.replaceField('short_links.target', 'nope', 'x', 'y')).toBe(false);
  });
});
