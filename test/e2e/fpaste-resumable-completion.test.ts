// fpaste and a tus upload whose bytes all arrived but whose completion failed without making an item
// (black box, on PostgreSQL: triggers make the database refuse). The same command run again finds
// the upload whole and completes it with an empty PATCH at the end, instead of stopping at "the
// server has the whole upload" on every run, and one item results.
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

  /** Runs fpaste on `name` while `table` refuses `statement`, then again once it does not: completed by the empty PATCH. */
  async function failThenComplete(name: string, table: string, statement: 'insert' | 'update'): Promise<void> {
    const content = randomBytes(300_000);
    writeFileSync(join(user.work, name), content);
    const allow = await refuse(table, statement);
    let before: number;
    try {
      const failed = await user.run(['--resumable', name], RUN);
      expect(failed.code, failed.stderr).not.toBe(0);
      await server.expectErrorLog(/refused by the test/);
      before = await items();
    } finally {
      await allow();
    }
    const again = expectExit(await user.run(['--resumable', name], RUN), 0);
    expect(again.stderr).toMatch(new RegExp(`resuming the interrupted upload of ${name.replace('.', '\\.')} at 100%`));
    expect(again.stderr).not.toMatch(/starting over/);
    expect(await items()).toBe(before + 1);
    expectExit(await user.run(['get', printedUrl(again), '-o', `back-${name}`], RUN), 0);
    expect(readFileSync(join(user.work, `back-${name}`)).equals(content)).toBe(true);
  }

  it('failed recording that its item is about to be committed: run again, an empty PATCH completes it (one item, byte-identical)', async () => {
    // The only update of an upload's row is its state: the completion's mark fails, nothing is made.
    await failThenComplete('whole.bin', 'tus_uploads', 'update');
  });

  it("failed at its item's insert, which left no item: the mark is lifted, and run again an empty PATCH completes it", async () => {
    await failThenComplete('again.bin', 'items', 'insert');
  });
});
