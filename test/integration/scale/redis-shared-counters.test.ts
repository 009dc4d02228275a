// redis-shared-counters: two real server processes sharing one Redis (and one data dir, so one
// SQLite database and root secret, as instances sharing a PostgreSQL would) count as one server:
// a create limit of 10 holds across both, a PoW token spent on A is refused on B, and a brute-force
// block earned on A applies on B. Keys live under a random SEALBIN_REDIS_PREFIX, removed afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hit, postPaste, solvedChallenge } from '../../helpers/abuse.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { deletePrefix } from '../../storage/counter-store-redis-adapter.js';

const url = process.env['TEST_REDIS_URL'];

describe.skipIf(!url)(`redis-shared-counters${url ? '' : ' (skipped: TEST_REDIS_URL is not set)'}`, () => {
  const prefix = `sealbin-test:${randomBytes(8).toString('hex')}:`;
  let a: RunningServer;
  let b: RunningServer;
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(url as string);
    const env = {
      SEALBIN_REDIS_URL: url as string,
      SEALBIN_REDIS_PREFIX: prefix,
      SEALBIN_POW_DIFFICULTY: '8',
      SEALBIN_FLOOD_THRESHOLD: '100000',
      SEALBIN_RATE_CREATE: '10/hour',
      SEALBIN_BRUTE_MAX: '3',
    };
    a = await startServer({ env });
    // B after A: A created the database, key file and root secret that B then opens.
    b = await startServer({ env, dataDir: a.dataDir });
  });
  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('hold one create limit, one PoW single use and one brute-force block across both instances', async () => {
    // A token spent on A is refused on B as already used (not as foreign: both share the keys).
    const pow = await solvedChallenge(a.url);
    const first = await postPaste(a.url, 'first', pow.headers);
    expect(first.status, first.text).toBe(201);
    const replay = await postPaste(b.url, 'replayed', pow.headers);
    expect(replay.status).toBe(400);
    expect(replay.json()).toMatchObject({ error_code: 'POW_INVALID' });
    expect(replay.json()['message']).toMatch(/already used/);
    // The item created on A is readable on B (same database).
    expect((await hit(b.url, `/${first.json()['id'] as string}/raw`)).text).toBe('first');

    // Nine more creations, alternating instances: 10 in all, then both refuse.
    const statuses: number[] = [];
    for (let n = 0; n < 9; n++) {
      const server = n % 2 ? a : b;
      statuses.push((await postPaste(server.url, `item ${n}`, (await solvedChallenge(server.url)).headers)).status);
    }
    expect(statuses).toEqual(Array(9).fill(201));
    for (const server of [a, b]) {
      const refused = await postPaste(server.url, 'one too many', (await solvedChallenge(server.url)).headers);
      expect(refused.status, refused.text).toBe(429);
      expect(refused.json()).toMatchObject({ error_code: 'RATE_LIMITED' });
    }

    // Three failed lookups on A block this client on B too, for a valid id as well.
    for (let n = 0; n < 3; n++) expect((await hit(a.url, `/${randomBytes(16).toString('hex')}`)).status).toBe(404);
    const blocked = await hit(b.url, `/${first.json()['id'] as string}`);
    expect(blocked.status, blocked.text).toBe(429);
    expect(blocked.json()).toMatchObject({ error_code: 'BLOCKED' });

    // Everything was counted under the prefix, and no key name carries the client address.
    const names = await redis.keys(`${prefix}*`);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).not.toMatch(/127\.0\.0\.1|::1/);
  });
});
