// export-to with SEALBIN_BLOB_DIR (black box): the blobs of a single server that already keeps them in
// a shared directory stay where they are (copying them onto themselves would remove them first); the
// rows move to PostgreSQL, and a server there with the same SEALBIN_BLOB_DIR reads every item back.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPaste } from '../../helpers/http.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { MAIN, makeDataDir, startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

const databaseUrl = testDatabaseUrl();
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.skipIf(!databaseUrl)(`export-to with SEALBIN_BLOB_DIR${databaseUrl ? '' : ` (skipped: ${NO_DATABASE})`}`, () => {
  const blobDir = mkdtempSync(join(tmpdir(), 'sealbin-shared-blobs-'));
  let schema: TestSchema | undefined;
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.dispose();
    await schema?.drop();
    rmSync(blobDir, { recursive: true, force: true });
  });

  it('moves the rows, leaves the blobs in place, and the PostgreSQL server reads every item', async () => {
    const env = { SEALBIN_MASTER_KEY: randomBytes(32).toString('hex'), SEALBIN_BLOB_DIR: blobDir };
    const single = await startServer({ env });
    servers.push(single);
    const items: { id: string; content: Buffer }[] = [];
    for (const size of [100, 200_000, 300_000]) {
      const content = randomBytes(size);
      items.push({ id: (await createPaste(single.url, content)).id, content });
    }
    expect(await single.stop()).toBe(0);
    const blobFiles = () => readdirSync(blobDir, { recursive: true }).filter((name) => !String(name).includes('tmp')).length;
    const before = blobFiles();
    expect(before).toBeGreaterThanOrEqual(2);

    schema = await createTestSchema(databaseUrl as string);
    const child = spawn(process.execPath, [MAIN, 'export-to', '--database-url', schema.url], { env: { PATH: process.env['PATH'] ?? '', SEALBIN_DATA_DIR: single.dataDir, SEALBIN_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`blobs: stay in ${blobDir}`);
    expect(blobFiles()).toBe(before);

    const moved = await startServer({ dataDir: makeDataDir(), env: { ...env, SEALBIN_DATABASE_URL: schema.url, SEALBIN_SINGLE_INSTANCE: '1' } });
    servers.push(moved);
    for (const item of items) {
      const reply = await fetch(`${moved.url}/${item.id}/raw`);
      expect(reply.status).toBe(200);
      expect(sha(Buffer.from(await reply.arrayBuffer()))).toBe(sha(item.content));
    }
  }, 90_000);
});
