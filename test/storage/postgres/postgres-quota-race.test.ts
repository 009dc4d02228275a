// PostgreSQL only: quotas are exact when several instances (each its own pool, its own group commit)
// insert for one client at once: the advisory lock on the quota key serialises the check-and-insert.
import { afterEach, describe, expect, it } from 'vitest';
import { createPool, openPostgresStores } from '../../../src/storage/postgres/postgres-stores.js';
import { QuotaOverrun } from '../../../src/storage/ports.js';
import type { MetadataStores } from '../../../src/storage/ports.js';
import { createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { item } from '../records.js';

const url = testDatabaseUrl();
const KEY = `group:${'3d'.repeat(32)}`;

describe.skipIf(!url)('PostgreSQL: quotas across instances on one schema', () => {
  let schema: TestSchema | undefined;
  const opened: MetadataStores[] = [];
  afterEach(async () => {
    for (const stores of opened.splice(0)) await stores.metadata.close();
    await schema?.drop();
    schema = undefined;
  });

  async function instances(n: number): Promise<MetadataStores[]> {
    schema = await createTestSchema(url as string);
    const options = schema.options;
    const stores = await Promise.all(Array.from({ length: n }, () => openPostgresStores(createPool(url as string, () => undefined, { options, max: 4 }))));
    opened.push(...stores);
    return stores;
  }

  it('items: 30 inserts split across three pools under a quota of 5 store exactly 5', async () => {
    const stores = await instances(3);
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => (stores[i % 3] as MetadataStores).metadata.insertItem(item(), { key: KEY, maxBytes: 0, maxItems: 5, now: 1000 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(QuotaOverrun);
    expect(await (stores[0] as MetadataStores).metadata.quotaUsage(KEY, 1500)).toEqual({ items: 5, bytes: 25 });
  });

  it('bytes: 30 inserts of 10 bytes split across two pools under a quota of 75 store exactly 7', async () => {
    const [a, b] = (await instances(2)) as [MetadataStores, MetadataStores];
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).metadata.insertItem(item({ size: 10 }), { key: KEY, maxBytes: 75, maxItems: 0, now: 1000 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(await a.metadata.quotaUsage(KEY, 1500)).toEqual({ items: 7, bytes: 70 });
  });

  it('batches of several keys in different orders on two pools neither deadlock nor overshoot', async () => {
    const [a, b] = (await instances(2)) as [MetadataStores, MetadataStores];
    const keys = Array.from({ length: 6 }, (_, i) => `group:${String(i).repeat(64)}`);
    const inserts = [];
    for (let round = 0; round < 4; round++) {
      for (const key of keys) inserts.push(a.metadata.insertItem(item(), { key, maxBytes: 0, maxItems: 2, now: 1000 }));
      for (const key of [...keys].reverse()) inserts.push(b.metadata.insertItem(item(), { key, maxBytes: 0, maxItems: 2, now: 1000 }));
    }
    const results = await Promise.allSettled(inserts);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(12);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(QuotaOverrun);
    for (const key of keys) expect((await a.metadata.quotaUsage(key, 1500)).items).toBe(2);
  });
});
