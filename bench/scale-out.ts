// The PostgreSQL + Redis backends for the scale-out scenarios of `npm run bench`: a fresh schema in the
// database named by BENCH_DATABASE_URL (else TEST_DATABASE_URL) and a fresh key prefix in the Redis
// named by BENCH_REDIS_URL (else TEST_REDIS_URL), both removed afterwards. Only our own schema and keys
// are ever touched: the services may be shared with other people's test runs.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface ScaleOut {
  /** What Sealbin is started with (SEALBIN_DATABASE_URL with the schema's search_path, SEALBIN_REDIS_URL, prefix, a master key). */
  readonly env: Readonly<Record<string, string>>;
  /** How the services were set up, for the results: versions and the durability settings behind a commit. */
  readonly setup: Readonly<Record<string, string>>;
  /**
   * Local process ids of the PostgreSQL backends connected for this run (application_name) and of
   * redis-server: their CPU is part of a request's cost. Empty for services on another host.
   */
  pids(): Promise<number[]>;
  /** Drops the schema and deletes the prefix's keys. */
  dispose(): Promise<void>;
}

/** The two URLs, or why the scale-out scenarios are skipped. */
export function scaleOutUrls(): { databaseUrl: string; redisUrl: string } | { skip: string } {
  const databaseUrl = process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'];
  const redisUrl = process.env['BENCH_REDIS_URL'] || process.env['TEST_REDIS_URL'];
  if (!databaseUrl) return { skip: 'neither BENCH_DATABASE_URL nor TEST_DATABASE_URL is set' };
  if (!redisUrl) return { skip: 'neither BENCH_REDIS_URL nor TEST_REDIS_URL is set' };
  return { databaseUrl, redisUrl };
}

/** A URL for display: the password, if any, never printed. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function query(url: string, text: string): Promise<Record<string, string>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<Record<string, string>>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Deletes every key under `prefix` (SCAN + UNLINK in batches: never FLUSHDB on a shared Redis). */
async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function prepareScaleOut(databaseUrl: string, redisUrl: string): Promise<ScaleOut> {
  const tag = randomBytes(5).toString('hex');
  const schema = `sealbin_bench_${tag}`;
  const prefix = `sealbin-bench-${tag}:`;
  await query(databaseUrl, `CREATE SCHEMA ${schema}`);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const settings = await query(databaseUrl, "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers', 'max_connections') ORDER BY name");
    const info = await redis.info('server');
    const persistence = await redis.info('persistence');
    const field = (text: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '?';
    const withSchema = new URL(databaseUrl);
    // The schema is chosen through the connection's search_path, as any deployment can do it.
    withSchema.searchParams.set('options', `-c search_path=${schema}`);
    // Names Sealbin's connections, so the run can find its backends' processes.
    withSchema.searchParams.set('application_name', schema);
    const local = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
    return {
      // A shared database takes its master key from the environment (no key file is made for it).
      env: { SEALBIN_DATABASE_URL: withSchema.toString(), SEALBIN_REDIS_URL: redisUrl, SEALBIN_REDIS_PREFIX: prefix, SEALBIN_MASTER_KEY: randomBytes(32).toString('hex') },
      setup: {
        database: redacted(databaseUrl),
        schema,
        ...Object.fromEntries(settings.map((row) => [`postgres ${row['name']}`, String(row['setting'])])),
        redis: redacted(redisUrl),
        prefix,
        'redis version': field(info, 'redis_version'),
        'redis aof_enabled': field(persistence, 'aof_enabled'),
      },
      pids: async () => {
        const pids: number[] = [];
        if (local(databaseUrl)) {
          const backends = await query(databaseUrl, `SELECT pid FROM pg_stat_activity WHERE application_name = '${schema}'`);
          pids.push(...backends.map((row) => Number(row['pid'])));
        }
        const redisPid = Number(field(await redis.info('server'), 'process_id'));
        if (local(redisUrl) && Number.isInteger(redisPid) && redisPid > 0) pids.push(redisPid);
        return pids;
      },
      dispose: async () => {
        try {
          await deletePrefix(redis, prefix);
        } finally {
          redis.disconnect();
          await query(databaseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        }
      },
    };
  } catch (error) {
    redis.disconnect();
    await query(databaseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    throw error;
  }
}
