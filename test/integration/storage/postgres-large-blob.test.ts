// PostgreSQL blob rows under a real server: a 128 MiB item streams in and out byte-identical while
// the server's peak RSS stays far below the item's size (rows are written and read a page at a time).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { streamUpload } from '../../helpers/http.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

const url = testDatabaseUrl();
const MiB = 1024 * 1024;
/** PG_LARGE_BLOB_MIB=1024 (with --testTimeout=600000) runs the 1 GiB measurement of issue 13 by hand. */
const SIZE = Number(process.env['PG_LARGE_BLOB_MIB'] ?? 128) * MiB;
/**
 * A server that held the item (or its rows) in memory would add at least SIZE to its resident set;
 * one that streams adds its buffers and the garbage of the pipeline, whatever the size. The bound is on
 * that growth, from the resident set just before the upload to the peak after the download, not on the
 * peak itself: the start-up footprint (~130 MiB here on Node 20 and 22 alike) is no part of what this
 * checks, and an absolute 200 MiB failed on Node 22 and now and then on Node 20 (measured on the loaded
 * 2-core dev machine for 128 MiB: +50..55 MiB on Node 20, +62..71 MiB on Node 22; earlier a 165 MiB
 * peak for 64 MiB and 177 MiB for 256 MiB: the growth does not follow the size). Kept at 128 MiB so the
 * test fits its 90 s on a loaded machine (256 MiB took 52 s).
 */
const GROWTH_LIMIT_KIB = (SIZE / 1024) * 0.75;

/** VmRSS (resident now) or VmHWM (the peak so far) of a process, in KiB. */
function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

/** What streamUpload sends: SIZE bytes of 'a'. */
function expectedDigest(): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < SIZE; sent += chunk.length) hash.update(chunk);
  return hash.digest('hex');
}

function downloadDigest(target: string): Promise<{ status: number; digest: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    httpRequest(target, (response) => {
      const hash = createHash('sha256');
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, digest: hash.digest('hex'), bytes }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe.skipIf(!url)('PostgreSQL blobs: a large item', () => {
  let schema: TestSchema | undefined;
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.dispose();
    await schema?.drop();
  });

  it(`${SIZE / MiB} MiB in and out byte-identical, the server's peak RSS growing by less than three quarters of it`, async () => {
    schema = await createTestSchema(url as string);
    server = await startServer({ env: { SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_DATABASE_URL: schema.url, SEALBIN_MASTER_KEY: randomBytes(32).toString('hex'), SEALBIN_MAX_SIZE: String(Math.max(SIZE, 512 * MiB)) } });
    const pid = server.process.pid as number;
    const before = memoryKiB(pid, 'VmRSS');
    const started = Date.now();
    const created = await streamUpload(server.url, '/', SIZE, { 'Content-Type': 'application/octet-stream' });
    const uploadMs = Date.now() - started;
    expect(created.status).toBe(201);
    const { raw } = JSON.parse(created.body) as { raw: string };
    const downloadStarted = Date.now();
    const fetched = await downloadDigest(raw);
    const downloadMs = Date.now() - downloadStarted;
    expect(fetched.status).toBe(200);
    expect(fetched.bytes).toBe(SIZE);
    expect(fetched.digest).toBe(expectedDigest());
    const peak = memoryKiB(pid, 'VmHWM');
    console.info(`${SIZE / MiB} MiB via PostgreSQL rows: upload ${uploadMs} ms, download ${downloadMs} ms, server RSS ${Math.round(before / 1024)} MiB before, peak ${Math.round(peak / 1024)} MiB`);
    expect(peak - before, `server RSS ${before} KiB before, peak ${peak} KiB`).toBeLessThan(GROWTH_LIMIT_KIB);
  });
});

describe.skipIf(url)('PostgreSQL blobs: a large item', () => {
  it.skip(`skipped: ${NO_DATABASE}`, () => undefined);
});
