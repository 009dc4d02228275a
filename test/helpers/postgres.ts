// A private PostgreSQL schema per test on the shared server named by TEST_DATABASE_URL: created
// empty, found through the connection's search_path, dropped (with everything in it) afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The shared test database, or null on a newcomer's machine (suites then skip with a reason). */
export function testDatabaseUrl(): string | null {
  return process.env['TEST_DATABASE_URL'] || null;
}

export const NO_DATABASE = 'TEST_DATABASE_URL is not set (CI sets it; e.g. postgres://postgres@127.0.0.1:5432/test)';

export interface TestSchema {
  name: string;
  /** libpq options that put a connection in this schema. */
  options: string;
  /** TEST_DATABASE_URL with `options=-c search_path=<name>`: what a server process is given. */
  url: string;
  drop: () => Promise<void>;
}

async function run(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates a fresh empty schema (random name) in the test database. */
export async function createTestSchema(url: string): Promise<TestSchema> {
  const name = `sealbin_test_${randomBytes(6).toString('hex')}`;
  await run(url, `create schema ${name}`);
  const options = `-c search_path=${name}`;
  const withOptions = new URL(url);
  withOptions.searchParams.set('options', options);
  return { name, options, url: withOptions.toString(), drop: () => run(url, `drop schema if exists ${name} cascade`) };
}
