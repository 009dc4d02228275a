// quotas across instances (black box): two real server processes share one PostgreSQL schema; one
// client's parallel creates split across both never overshoot its quota (the advisory lock on the
// quota key), and a delete on one frees quota on the other at once. Counters play no part here
// (proof of work, rate limits and duplicate counting are off), so Redis is used only when given.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorHit, hit, postPaste } from '../../helpers/abuse.js';
import type { Hit } from '../../helpers/abuse.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

const databaseUrl = testDatabaseUrl();
const redisUrl = process.env['TEST_REDIS_URL'] || null;

let schema: TestSchema;
let a: RunningServer;
let b: RunningServer;

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe.skipIf(!databaseUrl)(`quotas across two instances${databaseUrl ? '' : ` (skipped: ${NO_DATABASE})`}`, () => {
  beforeAll(async () => {
    schema = await createTestSchema(databaseUrl as string);
    const env: Record<string, string> = {
      SEALBIN_DATABASE_URL: schema.url,
      SEALBIN_MASTER_KEY: randomBytes(32).toString('hex'),
      SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32',
      SEALBIN_QUOTA_ITEMS: '5',
      SEALBIN_QUOTA_BYTES: '1000',
      ...(redisUrl ? { SEALBIN_REDIS_URL: redisUrl, SEALBIN_REDIS_PREFIX: `sealbin-quota-${randomBytes(4).toString('hex')}:` } : { SEALBIN_SINGLE_INSTANCE: '1' }),
    };
    [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
  }, 90_000);

  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await schema?.drop();
  });

  const statuses = (responses: Hit[]) => responses.map((r) => r.status);

  it('items: 20 parallel creates of one client split across A and B give exactly 5', async () => {
    const ip = '198.51.100.40';
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postPaste((i % 2 ? a : b).url, `race ${i}`, from(ip))));
    expect(statuses(responses).filter((s) => s === 201), JSON.stringify(statuses(responses))).toHaveLength(5);
    for (const response of responses.filter((r) => r.status !== 201)) expect(expectErrorHit(response, 413, 'QUOTA_EXCEEDED')).toMatchObject({ quota: 'items', used: 5, limit: 5 });
  });

  it('bytes: 20 parallel creates of 300 bytes split across A and B give exactly 3', async () => {
    const ip = '198.51.100.41';
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postPaste((i % 2 ? a : b).url, Buffer.alloc(300, 0x41 + i), from(ip))));
    expect(statuses(responses).filter((s) => s === 201)).toHaveLength(3);
    for (const response of responses.filter((r) => r.status !== 201)) expect(expectErrorHit(response, 413, 'QUOTA_EXCEEDED')['quota']).toBe('bytes');
  });

  it('a delete on A frees quota on B at once; the address group hash is the same on both', async () => {
    const ip = '198.51.100.42';
    const made = [];
    for (let i = 0; i < 5; i++) {
      const response = await postPaste((i % 2 ? a : b).url, `item ${i}`, from(ip));
      expect(response.status, response.text).toBe(201);
      made.push(response.json() as { id: string; delete_token: string });
    }
    expectErrorHit(await postPaste(b.url, 'full', from(ip)), 413, 'QUOTA_EXCEEDED');
    const victim = made[0] as { id: string; delete_token: string };
    expect((await hit(a.url, `/${victim.id}`, { method: 'DELETE', headers: { 'x-delete-token': victim.delete_token } })).status).toBe(204);
    expect((await postPaste(b.url, 'fits again', from(ip))).status).toBe(201);
    expectErrorHit(await postPaste(a.url, 'full again', from(ip)), 413, 'QUOTA_EXCEEDED');
  });
});
