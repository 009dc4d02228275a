// `sealbin migrate` (black box): brings the configured database's schema up to date and exits 0 with
// one line naming it (never the password); on PostgreSQL the tables then exist in the schema, and a
// second run (another instance's rollout) finds nothing to do. An unreachable database is one line
// on stderr and a non-zero exit, never a stack trace.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN, makeDataDir } from '../../helpers/server.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const KEY = '11'.repeat(32);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('sealbin migrate', () => {
  it('on SQLite: creates the database in the data dir and says so', async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const result = await run(['migrate'], { SEALBIN_DATA_DIR: dir, SEALBIN_MASTER_KEY: KEY });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SQLite .*sealbin\.db, blobs in .*: schema up to date\n$/);
    expect(existsSync(join(dir, 'sealbin.db'))).toBe(true);
  });

  it('an unreachable PostgreSQL: one line, non-zero exit, no password in it', async () => {
    const result = await run(['migrate'], { SEALBIN_DATABASE_URL: 'postgres://sealbin:hunter2secret@127.0.0.1:1/none', SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_DATA_DIR: makeDataDir(), SEALBIN_MASTER_KEY: KEY });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^sealbin: /);
    expect(result.stderr + result.stdout).not.toContain('hunter2secret');
  });

  const url = testDatabaseUrl();
  describe.skipIf(!url)(`on PostgreSQL${url ? '' : ` (skipped: ${NO_DATABASE})`}`, () => {
    let schema: TestSchema;
    afterAll(async () => {
      await schema?.drop();
    });

    it('creates every table in the schema; a second run finds it up to date', async () => {
      schema = await createTestSchema(url as string);
      const env = { SEALBIN_DATABASE_URL: schema.url, SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_DATA_DIR: makeDataDir(), SEALBIN_MASTER_KEY: KEY };
      dirs.push(env.SEALBIN_DATA_DIR);
      const first = await run(['migrate'], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^PostgreSQL .*, blobs in PostgreSQL: schema up to date\n$/);
      const client = new pg.Client({ connectionString: url as string });
      await client.connect();
      try {
        const { rows } = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1 order by table_name', [schema.name]);
        expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['items', 'settings', 'pki_ca', 'pki_certs', 'short_links', 'pki_audit', 'blobs', 'blob_chunks']));
      } finally {
        await client.end();
      }
      const second = await run(['migrate'], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toBe(first.stdout);
    });
  });
});
