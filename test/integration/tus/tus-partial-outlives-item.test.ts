// A completed tus upload whose partial could not be removed (black box, on PostgreSQL: a trigger
// refuses the delete of its row). The item exists, the PATCH that made it failed: neither the HEAD
// nor an empty PATCH at the final offset may make a second item of the same bytes, also after a
// restart has taken the receipt: the item's id is the upload's (keyed), so it is found, not made again;
// and deleted since, it is not made again either (the partial's mark says a completion committed).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { createUpload, expectSameBytes, tusHead, tusPatch } from '../../helpers/tus.js';

const databaseUrl = testDatabaseUrl();
let schema: TestSchema;
let db: pg.Pool;
let server: RunningServer;
let env: Record<string, string>;

const idOf = (path: string) => path.split('/').pop() as string;
const count = async (sql: string, values: unknown[] = []): Promise<number> => Number((await db.query<{ n: string }>(sql, values)).rows[0]?.n ?? 0);
const items = () => count('select count(*) as n from items');

/** Makes removing the partial of upload `id` fail (as a database error would), until `allow`. */
async function refuseRemoval(id: string): Promise<{ allow(): Promise<void> }> {
  const name = `keep_${id}`;
  await db.query(`create function ${name}() returns trigger language plpgsql as $$ begin if old.id = '${id}' then raise exception 'refused by the test'; end if; return old; end $$`);
  await db.query(`create trigger ${name} before delete on tus_uploads for each row execute function ${name}()`);
  return {
    allow: async () => {
      await db.query(`drop trigger ${name} on tus_uploads`);
      await db.query(`drop function ${name}()`);
    },
  };
}

/**
 * An upload of `content` completed by its last PATCH while a trigger kept its partial: the item
 * exists (one more than `before`), the PATCH answered 5xx, the partial is still there until `allow`.
 */
async function completedButKept(content: Buffer): Promise<{ path: string; before: number; allow(): Promise<void> }> {
  const path = await createUpload(server.url, { 'upload-length': String(content.length) });
  expect((await tusPatch(server.url, path, 0, content.subarray(0, content.length - 1))).status).toBe(204);
  const { allow } = await refuseRemoval(idOf(path));
  const before = await items();
  const last = await tusPatch(server.url, path, content.length - 1, content.subarray(content.length - 1));
  expect(last.status).toBeGreaterThanOrEqual(500);
  await server.expectErrorLog(/refused by the test/);
  expect(await items()).toBe(before + 1);
  return { path, before, allow };
}

describe.skipIf(!databaseUrl)(`tus: a completed upload whose partial could not be removed${databaseUrl ? '' : ` (skipped: ${NO_DATABASE})`}`, () => {
  beforeAll(async () => {
    schema = await createTestSchema(databaseUrl as string);
    db = new pg.Pool({ connectionString: schema.url, max: 2 });
    env = { SEALBIN_DATABASE_URL: schema.url, SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_MASTER_KEY: randomBytes(32).toString('hex') };
    server = await startServer({ env });
  }, 60_000);

  afterAll(async () => {
    await server?.dispose();
    await db?.end();
    await schema?.drop();
  });

  it('HEAD tells what it became; after a restart (receipt gone) an empty PATCH finds the item by its id instead of making another', async () => {
    const content = randomBytes(150_000);
    const { path, before, allow } = await completedButKept(content);
    const head = await tusHead(server.url, path);
    expect(head.status, head.text).toBe(200);
    expect(head.header('upload-offset')).toBe(String(content.length));
    const id = head.header('x-sealbin-id') as string;
    const download = await fetch(`${server.url}/download/${head.header('x-sealbin-key')}`);
    expectSameBytes(Buffer.from(await download.arrayBuffer()), content);
    await allow();
    // The receipt lived in the old process; the partial, whole, in the database.
    await server.dispose();
    server = await startServer({ env });
    const whole = await tusHead(server.url, path);
    expect(whole.status).toBe(200);
    expect(whole.header('upload-offset')).toBe(String(content.length));
    expect(whole.header('x-sealbin-id')).toBeUndefined();
    // What fpaste then sends: an empty PATCH at the end. The item exists under the upload's id.
    const retry = await tusPatch(server.url, path, content.length, Buffer.alloc(0));
    expect(retry.status, retry.text).toBe(204);
    expect(retry.header('x-sealbin-id')).toBe(id);
    expect(retry.header('x-sealbin-delete-token'), 'shown only while the receipt lasted').toBeUndefined();
    expect(await items()).toBe(before + 1);
    expect(await count('select count(*) as n from tus_uploads where id = $1', [idOf(path)])).toBe(0);
    const deleted = await fetch(`${server.url}/${id}`, { method: 'DELETE', headers: { 'x-delete-token': head.header('x-sealbin-delete-token') as string } });
    expect(deleted.status).toBe(204);
  });

  it('an empty PATCH at the final offset answers what it became and lets the partial go, instead of a second item', async () => {
    const content = randomBytes(150_000);
    const { path, before, allow } = await completedButKept(content);
    await allow();
    const retry = await tusPatch(server.url, path, content.length, Buffer.alloc(0));
    expect(retry.status, retry.text).toBe(204);
    expect(retry.header('upload-offset')).toBe(String(content.length));
    const download = await fetch(`${server.url}/download/${retry.header('x-sealbin-key')}`);
    expectSameBytes(Buffer.from(await download.arrayBuffer()), content);
    expect(await items()).toBe(before + 1);
    expect(await count('select count(*) as n from tus_uploads where id = $1', [idOf(path)])).toBe(0);
    // The partial is gone; the receipt is not, for its 10 minutes.
    expect((await tusHead(server.url, path)).header('x-sealbin-id')).toBe(retry.header('x-sealbin-id'));
  });

  it('an item made and deleted since: the empty PATCH gets 404 and the partial goes; the item is not made again', async () => {
    const content = randomBytes(150_000);
    const { path, allow } = await completedButKept(content);
    const head = await tusHead(server.url, path);
    const id = head.header('x-sealbin-id') as string;
    const deleted = await fetch(`${server.url}/${id}`, { method: 'DELETE', headers: { 'x-delete-token': head.header('x-sealbin-delete-token') as string } });
    expect(deleted.status).toBe(204);
    await allow();
    // The partial says a completion got as far as its item's commit.
    const { rows } = await db.query<{ state: string }>('select state from tus_uploads where id = $1', [idOf(path)]);
    expect(JSON.parse(rows[0]?.state ?? '{}')).toMatchObject({ committing: true });
    await server.dispose();
    server = await startServer({ env });
    const retry = await tusPatch(server.url, path, content.length, Buffer.alloc(0));
    expect(retry.status, retry.text).toBe(404);
    expect(await count('select count(*) as n from tus_uploads where id = $1', [idOf(path)])).toBe(0);
    expect(await count('select count(*) as n from items where id = $1', [id])).toBe(0);
    expect((await fetch(`${server.url}/${id}`)).status).toBe(404);
  });
});
