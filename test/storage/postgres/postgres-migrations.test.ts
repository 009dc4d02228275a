// PostgreSQL only: instances starting together on an empty schema all come up on one migrated schema.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool, openPostgresStores } from '../../../src/storage/postgres/postgres-stores.js';
import { migrations } from '../../../src/storage/sql/migrations.js';
import type { MetadataStores } from '../../../src/storage/ports.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';

const url = testDatabaseUrl();

describe.skipIf(!url)('PostgreSQL migrations', () => {
  const schemas: TestSchema[] = [];
  const opened: MetadataStores[] = [];
  afterEach(async () => {
    for (const stores of opened.splice(0)) await stores.metadata.close();
    for (const schema of schemas.splice(0)) await schema.drop();
  });

  async function schema(): Promise<TestSchema> {
    const created = await createTestSchema(url as string);
    schemas.push(created);
    return created;
  }

  it('4 openers racing on an empty schema all succeed and apply each migration once', async () => {
    const target = await schema();
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => openPostgresStores(createPool(url as string, () => undefined, { options: target.options, max: 3 }))));
    for (const result of results) if (result.status === 'fulfilled') opened.push(result.value);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const client = new pg.Client({ connectionString: url as string });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; n: string }>(`select name, count(*) as n from ${target.name}.kysely_migration group by name order by name`);
      expect(rows.map((r) => [r.name, Number(r.n)])).toEqual(Object.keys(migrations('postgres')).sort().map((name) => [name, 1]));
    } finally {
      await client.end();
    }
    // Every opener works on the same tables: a setting written through one is read through another.
    await opened[0]?.metadata.setSetting('probe', 'one');
    expect(await opened[3]?.metadata.getSetting('probe')).toBe('one');
  });

  it('a schema beside an already migrated one is migrated too (bookkeeping is per schema)', async () => {
    const first = await schema();
    const second = await schema();
    opened.push(await openPostgresStores(createPool(url as string, () => undefined, { options: first.options, max: 2 })));
    const stores = await openPostgresStores(createPool(url as string, () => undefined, { options: second.options, max: 2 }));
    opened.push(stores);
    await stores.metadata.setSetting('probe', 'two');
    expect(await stores.metadata.getSetting('probe')).toBe('two');
    expect(await opened[0]?.metadata.getSetting('probe')).toBeNull();
  });
});

describe.skipIf(url)('PostgreSQL migrations', () => {
  it.skip(`skipped: ${NO_DATABASE}`, () => undefined);
});
