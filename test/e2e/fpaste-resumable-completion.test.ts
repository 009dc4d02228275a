// fpaste and a tus upload whose bytes all arrived but whose completion failed (black box, on
// PostgreSQL: triggers make the database refuse). Failed before the item's commit, the same command
// run again finds the upload whole and completes it with an empty PATCH at the end, instead of
// stopping at "the server has the whole upload" on every run. Failed at the commit (the item may or
// may not exist), the server will not make it again under the upload's id and fpaste starts over.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../helpers/postgres.js';
import type { TestSchema } from '../helpers/postgres.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const databaseUrl = testDatabaseUrl();
const RUN = { timeoutMs: 60_000 };
let schema: TestSchema;
let db: pg.Pool;
let server: RunningServer;
let user: FpasteUser;

const items = async (): Promise<number> => Number((await db.query<{ n: string }>('select count(*) as n from items')).rows[0]?.n ?? 0);

describe.skipIf(!databaseUrl)(`fpaste: an upload stored whole whose completion failed${databaseUrl ? '' : ` (skipped: ${NO_DATABASE})`}`, () => {
  beforeAll(async () => {
    schema = await createTestSchema(databaseUrl as string);
    db = new pg.Pool({ connectionString: schema.url, max: 2 });
    server = await startServer({ env: { SEALBIN_DATABASE_URL: schema.url, SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_MASTER_KEY: randomBytes(32).toString('hex') } });
    user = new FpasteUser(server.url);
  }, 60_000);

  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
    await db?.end();
    await schema?.drop();
  });

  /** Makes `statement` fail on `table` (as a database error would) until the returned function is called. */
  async function refuse(table: string, statement: 'insert' | 'update'): Promise<() => Promise<void>> {
    const name = `refuse_${table}_${statement}`;
    await db.query(`create function ${name}() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`);
    await db.query(`create trigger ${name} before ${statement} on ${table} for each row execute function ${name}()`);
    return async () => {
      await db.query(`drop trigger ${name} on ${table}`);
      await db.query(`drop function ${name}()`);
    };
  }

  it('failed before its item was committed: the same command run again completes it with an empty PATCH (one item, byte-identical)', async () => {
    const content = randomBytes(300_000);
    writeFileSync(join(user.work, 'whole.bin'), content);
    // The completion records that it is about to commit its item: failing that record fails it first.
    const allow = await refuse('tus_uploads', 'update');
    const failed = await user.run(['--resumable', 'whole.bin'], RUN);
    expect(failed.code, failed.stderr).not.toBe(0);
    await server.expectErrorLog(/refused by the test/);
    const before = await items();
    await allow();
    const again = expectExit(await user.run(['--resumable', 'whole.bin'], RUN), 0);
    expect(again.stderr).toMatch(/resuming the interrupted upload of whole\.bin at 100%/);
    expect(again.stderr).not.toMatch(/starting over/);
    expect(await items()).toBe(before + 1);
    expectExit(await user.run(['get', printedUrl(again), '-o', 'back.bin'], RUN), 0);
    expect(readFileSync(join(user.work, 'back.bin')).equals(content)).toBe(true);
  });

  it('failed at its commit (outcome unknown to the server): run again, it starts over, and one item results', async () => {
    const content = randomBytes(300_000);
    writeFileSync(join(user.work, 'again.bin'), content);
    const allow = await refuse('items', 'insert');
    const failed = await user.run(['--resumable', 'again.bin'], RUN);
    expect(failed.code, failed.stderr).not.toBe(0);
    await server.expectErrorLog(/refused by the test/);
    const before = await items();
    await allow();
    const again = expectExit(await user.run(['--resumable', 'again.bin'], RUN), 0);
    expect(again.stderr).toMatch(/no longer has the upload of again\.bin.*starting over/);
    expect(await items()).toBe(before + 1);
    expectExit(await user.run(['get', printedUrl(again), '-o', 'back-again.bin'], RUN), 0);
    expect(readFileSync(join(user.work, 'back-again.bin')).equals(content)).toBe(true);
  });
});
