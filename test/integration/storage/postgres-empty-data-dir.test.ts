// SEALBIN_DATABASE_URL: metadata and blobs live in PostgreSQL, so an instance with an empty data dir
// and the shared master key serves everything another instance stored; the password is never shown.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPaste, uploadFile } from '../../helpers/http.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { runExpectingExit, startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

const url = testDatabaseUrl();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** Trust authentication ignores it, so it is safe to put in the URL and look for in the output. */
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

function withPassword(databaseUrl: string): string {
  const parsed = new URL(databaseUrl);
  parsed.password = PASSWORD;
  return parsed.toString();
}

async function bytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe.skipIf(!url)('PostgreSQL storage: a fresh instance with an empty data dir', () => {
  let schema: TestSchema | undefined;
  const servers: RunningServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.dispose();
    await schema?.drop();
  });

  it('reads back a paste and a 3 MiB file share byte-identical after a restart on an empty data dir', async () => {
    schema = await createTestSchema(url as string);
    const env = { SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_DATABASE_URL: withPassword(schema.url), SEALBIN_MASTER_KEY: randomBytes(32).toString('hex') };
    const first = await startServer({ env });
    servers.push(first);
    const text = `paste ${randomBytes(16).toString('hex')}`;
    const file = randomBytes(3 * 1024 * 1024);
    const paste = await createPaste(first.url, text);
    const share = await uploadFile(first.url, file, 'big.bin');
    expect(share.key).toMatch(/^[a-z]+(-[a-z]+){5}$/);
    // Nothing another instance needs stays in this one's data dir: no database, no blob files.
    // The audit log (kept per instance, also in the database) and the space reserve (this disk's own
    // slack for deletes on a full disk) are the instance's; nothing another instance would need.
    expect(readdirSync(first.dataDir).filter((name) => name !== 'audit.log' && name !== 'space-reserve')).toEqual([]);
    expect(await first.stop()).toBe(0);

    const second = await startServer({ env });
    servers.push(second);
    expect(second.dataDir).not.toBe(first.dataDir);
    const raw = await fetch(`${second.url}/${paste.id}/raw`);
    expect(raw.status).toBe(200);
    expect((await bytes(raw)).toString()).toBe(text);
    const download = await fetch(`${second.url}/download/${share.key as string}`);
    expect(download.status).toBe(200);
    const got = await bytes(download);
    expect(got.length).toBe(file.length);
    expect(sha256(got)).toBe(sha256(file));
    const range = await fetch(`${second.url}/download/${share.key as string}`, { headers: { Range: 'bytes=1048570-1048585' } });
    expect(range.status).toBe(206);
    expect((await bytes(range)).equals(file.subarray(1048570, 1048586))).toBe(true);
    const health = await fetch(`${second.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { checks: Record<string, string> }).checks['database']).toBe('ok');
    for (const server of [first, second]) expect(server.output()).not.toContain(PASSWORD);
    expect(second.output()).toContain('postgres://postgres:***@');
  });

  it('refuses to start in one line when PostgreSQL is unreachable, with the password redacted', async () => {
    const result = await runExpectingExit({ SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_DATABASE_URL: `postgres://sealbin:${PASSWORD}@127.0.0.1:1/sealbin`, SEALBIN_MASTER_KEY: randomBytes(32).toString('hex') }, 30_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot open PostgreSQL at postgres:\/\/sealbin:\*\*\*@127\.0\.0\.1:1\/sealbin/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it('refuses to make up a master key file for a shared database', async () => {
    schema = await createTestSchema(url as string);
    const result = await runExpectingExit({ SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_DATABASE_URL: schema.url }, 30_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/give every instance the same master key/);
  });
});

describe.skipIf(url)('PostgreSQL storage: a fresh instance with an empty data dir', () => {
  it.skip(`skipped: ${NO_DATABASE}`, () => undefined);
});
