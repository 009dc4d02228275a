// fpaste and a tus upload whose bytes all arrived but whose completion failed (black box, on
// PostgreSQL: a trigger refuses the item's row). The server keeps the whole partial; the same
// command run again finds it whole and asks for the completion with an empty PATCH at the end,
// instead of stopping at "the server has the whole upload" on every run.
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

  it('the same command run again completes it (one item, byte-identical) once the server can', async () => {
    const content = randomBytes(300_000);
    writeFileSync(join(user.work, 'whole.bin'), content);
    await db.query("create function refuse_items() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$");
    await db.query('create trigger refuse_items before insert on items for each row execute function refuse_items()');
    const failed = await user.run(['--resumable', 'whole.bin'], RUN);
    expect(failed.code, failed.stderr).not.toBe(0);
    await server.expectErrorLog(/refused by the test/);
    expect(await items()).toBe(0);
    await db.query('drop trigger refuse_items on items');
    await db.query('drop function refuse_items()');
    const again = expectExit(await user.run(['--resumable', 'whole.bin'], RUN), 0);
    expect(again.stderr).toMatch(/resuming the interrupted upload of whole\.bin at 100%/);
    expect(await items()).toBe(1);
    expectExit(await user.run(['get', printedUrl(again), '-o', 'back.bin'], RUN), 0);
    expect(readFileSync(join(user.work, 'back.bin')).equals(content)).toBe(true);
  });
});
