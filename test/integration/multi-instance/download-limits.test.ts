// download limits across instances (black box, issue 15): two real server processes share one
// PostgreSQL schema (metadata and blobs as rows). N + 5 parallel reads split across both give exactly
// N complete, byte-identical 200s and 5 × 404, whoever serves them; then the item's row and its blob
// rows are gone. The atomic claim is the database's conditional decrement, so no instance can hand
// out a read another one already gave.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

const databaseUrl = testDatabaseUrl();

let schema: TestSchema;
let a: RunningServer;
let b: RunningServer;
let db: pg.Client;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.skipIf(databaseUrl === null)(`download limits on two instances over PostgreSQL${databaseUrl === null ? ` (skipped: ${NO_DATABASE})` : ''}`, () => {
  beforeAll(async () => {
    schema = await createTestSchema(databaseUrl as string);
    db = new pg.Client({ connectionString: databaseUrl as string, options: schema.options });
    await db.connect();
    const env = {
      SEALBIN_DATABASE_URL: schema.url,
      SEALBIN_MASTER_KEY: randomBytes(32).toString('hex'),
      // Every counter-backed control is off in these servers (helpers/server.ts PERMISSIVE), so the
      // per-instance counters that SINGLE_INSTANCE allows change nothing here; the claim is in PostgreSQL.
      SEALBIN_SINGLE_INSTANCE: '1',
    };
    [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
  }, 90_000);

  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await db?.end();
    await schema?.drop();
  });

  async function count(table: string): Promise<number> {
    const result = await db.query<{ n: string }>(`select count(*) as n from ${table}`);
    return Number(result.rows[0]?.n);
  }

  it('N + 5 parallel reads across A and B: exactly N complete 200s, 5 × 404, then row and blob rows gone', async () => {
    const N = 4;
    // Over the inline limit and the verify-before-send threshold: content streams from blob rows.
    const content = randomBytes(1536 * 1024 + 3);
    const created = await fetch(`${a.url}/`, { method: 'POST', body: new Uint8Array(content), headers: { 'X-Max-Downloads': String(N) } });
    expect(created.status).toBe(201);
    const { id, downloads_remaining } = (await created.json()) as { id: string; downloads_remaining: number };
    expect(downloads_remaining).toBe(N);
    expect(await count('blobs')).toBe(1);
    const onB = (await (await fetch(`${b.url}/${id}`)).json()) as { downloads_remaining: number };
    expect(onB.downloads_remaining).toBe(N);

    const reads = await Promise.all(
      Array.from({ length: N + 5 }, async (_, n) => {
        const response = await fetch(`${(n % 2 === 0 ? a : b).url}/${id}/raw`);
        return { status: response.status, body: Buffer.from(await response.arrayBuffer()), digest: response.headers.get('x-content-sha256') };
      }),
    );
    const ok = reads.filter((r) => r.status === 200);
    expect(ok).toHaveLength(N);
    for (const r of ok) {
      expect(r.body.equals(content)).toBe(true);
      expect(r.digest).toBe(sha256(content));
    }
    expect(reads.filter((r) => r.status === 404)).toHaveLength(5);
    for (const server of [a, b]) expect((await fetch(`${server.url}/${id}`)).status).toBe(404);
    await waitFor(async () => (await count('items')) === 0 && (await count('blobs')) === 0 && (await count('blob_chunks')) === 0, 'the spent item\'s row and blob rows to be removed');
  });

  it('a file share counts down on either instance, and /status on the other shows it', async () => {
    const form = new FormData();
    form.append('file', new Blob(['shared twice']), 'twice.txt');
    const created = await fetch(`${b.url}/upload`, { method: 'POST', body: form, headers: { 'X-Max-Downloads': '2' } });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    expect(await (await fetch(`${a.url}/download/${key}`)).text()).toBe('shared twice');
    expect(await (await fetch(`${b.url}/status/${key}`)).json()).toMatchObject({ downloads: 1, downloads_remaining: 1 });
    expect(await (await fetch(`${b.url}/download/${key}`)).text()).toBe('shared twice');
    expect((await fetch(`${a.url}/download/${key}`)).status).toBe(404);
  });
});
