// The sealing decorators over the real SQLite adapter: what reaches the table is sealed and bound to
// its row, what comes back (lookups, listings, burn claims) is the clear value, and the one-time pass
// seals rows written in clear without touching sealed ones.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SealedItemStore } from '../../../src/storage/sealed/sealed-item-store.js';
import { SealedShortLinkStore } from '../../../src/storage/sealed/sealed-short-link-store.js';
import { sealExistingFields } from '../../../src/storage/sealed/seal-existing-fields.js';
import { openSqliteStores } from '../../../src/storage/sqlite/sqlite-stores.js';
import type { MetadataStores } from '../../../src/storage/ports.js';
import { item, link } from '../../storage/records.js';

const key = randomBytes(32);
let dir: string;
let stores: MetadataStores;
let raw: BetterSqlite3.Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sealbin-sealed-'));
  stores = await openSqliteStores(join(dir, 'test.db'));
  raw = new BetterSqlite3(join(dir, 'test.db'));
});
afterEach(async () => {
  raw.close();
  await stores.metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

const storedName = (id: string): string | null => (raw.prepare('select filename from items where id = ?').get(id) as { filename: string | null }).filename;

describe('SealedItemStore', () => {
  it('stores file names sealed and returns them clear from every read path', async () => {
    const items = new SealedItemStore(stores.metadata, key);
    const named = item({ filename: 'payroll-2026.xlsx', burnAfterRead: true });
    const unnamed = item({ filename: null });
    await items.insertItem(named);
    await items.insertItem(unnamed);
    expect(storedName(named.id)).not.toContain('payroll');
    expect(storedName(unnamed.id)).toBeNull();
    expect((await items.getLive(named.id, 1500))?.filename).toBe('payroll-2026.xlsx');
    const listed = await items.listItems({ owner: null, typePattern: null, after: null, before: null, now: 1500, limit: 10, cursor: null });
    expect(listed.map((record) => record.filename).sort()).toEqual(['payroll-2026.xlsx', null].sort());
    expect(await items.updateMetadata(named.id, { filename: 'renamed.txt' }, 1500)).toBe(true);
    expect(storedName(named.id)).not.toContain('renamed');
    expect((await items.claimRead(named.id, 1500))?.filename).toBe('renamed.txt');
  });

  it('a sealed name copied onto another row does not open there', async () => {
    const items = new SealedItemStore(stores.metadata, key);
    const a = item({ filename: 'a-secret.txt' });
    const b = item({ filename: 'b.txt' });
    await items.insertItem(a);
    await items.insertItem(b);
    // Both names opened once first: the memo of opened names must not vouch for the swapped value.
    expect((await items.getLive(a.id, 1500))?.filename).toBe('a-secret.txt');
    expect((await items.getLive(b.id, 1500))?.filename).toBe('b.txt');
    raw.prepare('update items set filename = ? where id = ?').run(storedName(a.id), b.id);
    await expect(items.getLive(b.id, 1500)).rejects.toThrow();
  });

  it('an altered sealed name is refused even after the original was opened and remembered', async () => {
    const items = new SealedItemStore(stores.metadata, key);
    const a = item({ filename: 'report.pdf' });
    await items.insertItem(a);
    expect((await items.getLive(a.id, 1500))?.filename).toBe('report.pdf');
    const sealed = Buffer.from(storedName(a.id) as string, 'base64');
    sealed.writeUInt8((sealed.at(-1) ?? 0) ^ 1, sealed.length - 1);
    raw.prepare('update items set filename = ? where id = ?').run(sealed.toString('base64'), a.id);
    await expect(items.getLive(a.id, 1500)).rejects.toThrow();
  });
});

describe('SealedShortLinkStore', () => {
  it('stores targets sealed and returns them clear', async () => {
    const links = new SealedShortLinkStore(stores.links, key);
    const secret = link({ target: 'https://example.org/reset?token=s3cr3t' });
    await links.insertLink(secret);
    const stored = (raw.prepare('select target from short_links where id = ?').get(secret.id) as { target: string }).target;
    expect(stored).not.toContain('s3cr3t');
    expect((await links.clickLink(secret.id, 1500))?.target).toBe(secret.target);
    expect((await links.listLinks(null, 1500)).map((l) => l.target)).toEqual([secret.target]);
  });
});

describe('sealExistingFields', () => {
  it('seals clear rows once, leaves sealed rows alone, and then is done', async () => {
    const items = new SealedItemStore(stores.metadata, key);
    const old = item({ filename: 'legacy-name.txt' });
    await stores.metadata.insertItem(old);
    const sealed = item({ filename: 'already-sealed.txt' });
    await items.insertItem(sealed);
    const before = storedName(sealed.id);
    await stores.links.insertLink(link({ target: 'https://example.org/?t=legacy' }));

    expect(await sealExistingFields(stores.metadata, stores.fields, key)).toBe(2);
    expect(storedName(old.id)).not.toContain('legacy');
    expect(storedName(sealed.id)).toBe(before);
    expect((await items.getLive(old.id, 1500))?.filename).toBe('legacy-name.txt');
    expect(await stores.metadata.getSetting('metadata_sealing')).toBe('done');
    // Done: a second start does not scan again.
    await stores.metadata.insertItem(item({ filename: 'written-in-clear-later.txt' }));
    expect(await sealExistingFields(stores.metadata, stores.fields, key)).toBe(0);
  });
});
