// SEALBIN_BLOB_DIR: blobs go to the named directory (a filesystem instances share), with SQLite and
// with PostgreSQL; the data dir then holds no blob.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uploadFile } from '../../helpers/http.js';
import { createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

const url = testDatabaseUrl();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Blob files (32 hex names) anywhere under `dir`. */
function blobFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /^[0-9a-f]{32}$/.test(entry.name))
    .map((entry) => entry.name);
}

describe('SEALBIN_BLOB_DIR', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function roundTrip(env: Record<string, string>, blobDir: string): Promise<void> {
    const first: RunningServer = await startServer({ env });
    cleanups.push(() => first.dispose());
    const file = randomBytes(1024 * 1024);
    const share = await uploadFile(first.url, file, 'one.bin');
    expect(blobFilesUnder(blobDir)).toHaveLength(1);
    expect(blobFilesUnder(first.dataDir)).toEqual([]);
    const download = await fetch(`${first.url}/download/${share.key as string}`);
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(file));
  }

  it('with SQLite: blobs are written to the named directory, not the data dir', async () => {
    const blobDir = mkdtempSync(join(tmpdir(), 'sealbin-blobdir-'));
    cleanups.push(() => rmSync(blobDir, { recursive: true, force: true }));
    await roundTrip({ SEALBIN_BLOB_DIR: blobDir }, blobDir);
  });

  it.skipIf(!url)('with PostgreSQL: blobs go to the directory instead of rows (skipped without TEST_DATABASE_URL)', async () => {
    const blobDir = mkdtempSync(join(tmpdir(), 'sealbin-blobdir-'));
    cleanups.push(() => rmSync(blobDir, { recursive: true, force: true }));
    const schema: TestSchema = await createTestSchema(url as string);
    cleanups.push(() => schema.drop());
    await roundTrip({ SEALBIN_BLOB_DIR: blobDir, SEALBIN_DATABASE_URL: schema.url, SEALBIN_MASTER_KEY: randomBytes(32).toString('hex') }, blobDir);
  });
});
