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
/** The first transfer, whose peak is the baseline: SIZE / 4. */
const WARM_UP = SIZE / 4;
/**
 * A server that held the item (or its rows) in memory would raise its peak resident set by about the
 * size difference of the two transfers (3/4 of SIZE); one that streams reaches about the same peak
 * for both, its buffers and the garbage of the pipeline not following the size. So the bound is on what
 * the SIZE transfer adds to the peak a WARM_UP transfer already reached, not on the absolute peak,
 * which depends on the runtime more than on the server: measured on the loaded 2-core dev machine for
 * 128 MiB, the peak rose over the ~130 MiB start-up footprint by 50-55 MiB on Node 20, 62-71 MiB on
 * Node 22 and 120-145 MiB on Node 24 (Node 24: +93 MiB for 32 MiB, +121 MiB for 256 MiB: growth not
 * following the size). Kept at 128 MiB so the test fits its 90 s on a loaded machine. The bound is
 * 3/4 of the difference (72 MiB): holding the item would add at least the whole 96 MiB, while the
 * garbage V8 has not collected yet (dead Buffers are freed by a threshold, later on a loaded machine)
 * can add tens of MiB to either peak; half the difference left Node 24 too little room.
 */
const GROWTH_LIMIT_KIB = ((SIZE - WARM_UP) * 3) / 4 / 1024;

/** VmHWM of a process: the peak of its resident set so far, in KiB. */
function peakRssKiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

/** What streamUpload sends: `size` bytes of 'a'. */
function expectedDigest(size: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < size; sent += chunk.length) hash.update(chunk);
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

  /** Uploads `size` bytes, downloads them, checks they are the same; returns the times taken. */
  async function roundTrip(target: string, size: number): Promise<{ uploadMs: number; downloadMs: number }> {
    const started = Date.now();
    const created = await streamUpload(target, '/', size, { 'Content-Type': 'application/octet-stream' });
    const uploadMs = Date.now() - started;
    expect(created.status).toBe(201);
    const { raw } = JSON.parse(created.body) as { raw: string };
    const downloadStarted = Date.now();
    const fetched = await downloadDigest(raw);
    const downloadMs = Date.now() - downloadStarted;
    expect(fetched.status).toBe(200);
    expect(fetched.bytes).toBe(size);
    expect(fetched.digest).toBe(expectedDigest(size));
    return { uploadMs, downloadMs };
  }

  it(`${SIZE / MiB} MiB in and out byte-identical, the server's peak RSS not following the size`, async () => {
    schema = await createTestSchema(url as string);
    server = await startServer({ env: { SEALBIN_SINGLE_INSTANCE: '1', SEALBIN_DATABASE_URL: schema.url, SEALBIN_MASTER_KEY: randomBytes(32).toString('hex'), SEALBIN_MAX_SIZE: String(Math.max(SIZE, 512 * MiB)) } });
    const pid = server.process.pid as number;
    await roundTrip(server.url, WARM_UP);
    const warmPeak = peakRssKiB(pid);
    const { uploadMs, downloadMs } = await roundTrip(server.url, SIZE);
    const peak = peakRssKiB(pid);
    console.info(`${SIZE / MiB} MiB via PostgreSQL rows: upload ${uploadMs} ms, download ${downloadMs} ms, server peak RSS ${Math.round(warmPeak / 1024)} MiB after ${WARM_UP / MiB} MiB, ${Math.round(peak / 1024)} MiB after ${SIZE / MiB} MiB`);
    expect(peak - warmPeak, `server peak RSS ${warmPeak} KiB after ${WARM_UP / MiB} MiB, ${peak} KiB after ${SIZE / MiB} MiB`).toBeLessThan(GROWTH_LIMIT_KIB);
  });
});

describe.skipIf(url)('PostgreSQL blobs: a large item', () => {
  it.skip(`skipped: ${NO_DATABASE}`, () => undefined);
});
