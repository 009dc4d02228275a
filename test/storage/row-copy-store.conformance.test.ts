// One suite, every RowCopyStore adapter (what `sealbin export-to` reads and writes): whole rows in key
// order and pages, counts that ignore what the migrations wrote, and a write that commits all or nothing.
import { beforeEach, expect, it } from 'vitest';
import type { MetadataStores, StoredRow } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';
import { cert, item, link } from './records.js';

conformance('RowCopyStore', metadataAdapters, (current) => {
  let stores: MetadataStores;
  beforeEach(() => {
    stores = current();
  });

  it('countRows: a freshly migrated database counts as empty', async () => {
    expect(Object.values(await stores.rows.countRows()).every((n) => n === 0)).toBe(true);
  });

  it('readRows: every table in key order, paged by the returned key without gaps or repeats', async () => {
    const items = Array.from({ length: 7 }, () => item());
    for (const record of items) await stores.metadata.insertItem(record);
    const first = await stores.rows.readRows('items', null, 3);
    const rest = await stores.rows.readRows('items', first[2]?.key ?? null, 10);
    expect([...first, ...rest].map((r) => r.key)).toEqual(items.map((r) => r.id).sort());
    expect(first[0]?.row['wrapped_key']).toBeInstanceOf(Buffer);
    expect((await stores.rows.countRows()).items).toBe(7);
  });

  it('rows read out and written back through writeAll read back through the other ports unchanged', async () => {
    const record = item({ blobId: 'blob-1', inline: null, filename: 'sealed-name', owner: 'ab'.repeat(32) });
    const certificate = cert({ revokedAt: 1500 });
    const short = link();
    await stores.metadata.insertItem(record);
    await stores.pki.insertCert(certificate);
    await stores.links.insertLink(short);
    const rows = {
      items: (await stores.rows.readRows('items', null, 10)).map((r) => r.row),
      pki_certs: (await stores.rows.readRows('pki_certs', null, 10)).map((r) => r.row),
      short_links: (await stores.rows.readRows('short_links', null, 10)).map((r) => r.row),
    };
    await stores.metadata.deleteItem(record.id);
    await stores.links.deleteLink(short.id);
    expect(await stores.metadata.getLive(record.id, 1500)).toBeNull();
    await stores.rows.writeAll(async (write) => {
      await write('items', rows.items);
      await write('short_links', rows.short_links);
    });
    expect(await stores.metadata.getLive(record.id, 1500)).toEqual(record);
    expect(await stores.links.getLiveLink(short.id, 1500)).toEqual(short);
    // Inserting rows that exist is refused, inside the one transaction.
    await expect(stores.rows.writeAll((write) => write('pki_certs', rows.pki_certs))).rejects.toThrow();
    expect(await stores.pki.listCerts()).toEqual([certificate]);
  });

  it('writeAll: a failure inside the work writes nothing; settings replace a value of the same name', async () => {
    // (Rows are read before: inside writeAll the store's one SQLite connection belongs to the transaction.)
    const row = await rowOf(stores, item());
    await expect(
      stores.rows.writeAll(async (write) => {
        await write('items', [row]);
        throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect((await stores.rows.countRows()).items).toBe(0);
    await stores.metadata.setSetting('root_secret', 'old');
    await stores.rows.writeAll(async (write) => {
      await write('settings', [{ name: 'root_secret', value: 'new' }]);
      await write('pki_audit', [{ seq: 999, time: 5, event: 'revoked', serial: '0a', fingerprint: null, common_name: null, actor: 'x', request_id: 'r', reason: null }]);
    });
    expect(await stores.metadata.getSetting('root_secret')).toBe('new');
    const audit = await stores.audit.listAudit(0, 10);
    expect(audit.map((e) => [e.event, e.time])).toEqual([['revoked', 5]]);
  });
});

/** The stored row of a record, as another database of the same schema would hand it over. */
async function rowOf(stores: MetadataStores, record: ReturnType<typeof item>): Promise<StoredRow> {
  await stores.metadata.insertItem(record);
  const row = (await stores.rows.readRows('items', null, 1))[0]?.row as StoredRow;
  await stores.metadata.deleteItem(record.id);
  return row;
}
