// Integrity at chunk boundaries (issue 12): for every size around the 64 KiB chunk size, damage to
// any one chunk, the final (possibly empty) one included, must reach the client as a 500
// INTEGRITY_CHECK_FAILED before the headers or as an aborted body; never as a clean, complete 200.
// Sizes up to 1 MiB are verified before sending; larger ones stream, so both paths are covered.
// (Size 0 cannot be stored over HTTP, 400 EMPTY: test/unit/core/content-reader.test.ts covers it.)
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';

const CHUNK = 64 * 1024;
const HEADER = 16;
const TAG = 16;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

/** Where an item's stored stream lives: a blob file, or the inline column of its row. */
function storedStream(id: string): { read(): Buffer; write(data: Buffer): void } {
  const conn = new BetterSqlite3(join(server.dataDir, 'sealbin.db'));
  try {
    const row = conn.prepare('select blob_id from items where id = ?').get(id) as { blob_id: string | null };
    if (row.blob_id) {
      const path = join(server.dataDir, 'blobs', row.blob_id.slice(0, 2), row.blob_id);
      return { read: () => readFileSync(path), write: (data) => writeFileSync(path, data) };
    }
  } finally {
    conn.close();
  }
  const withDb = <T>(run: (db: BetterSqlite3.Database) => T): T => {
    const db = new BetterSqlite3(join(server.dataDir, 'sealbin.db'));
    try {
      return run(db);
    } finally {
      db.close();
    }
  };
  return {
    read: () => withDb((db) => (db.prepare('select inline_data from items where id = ?').get(id) as { inline_data: Buffer }).inline_data),
    write: (data) => withDb((db) => db.prepare('update items set inline_data = ? where id = ?').run(data, id)),
  };
}

/** The last byte of chunk `index`'s tag (every chunk, the empty final one too, ends with its tag). */
function tagByteOf(index: number, size: number): number {
  const finalIndex = Math.floor(size / CHUNK);
  const plain = index < finalIndex ? CHUNK : size - finalIndex * CHUNK;
  return HEADER + index * (CHUNK + TAG) + plain + TAG - 1;
}

/** GET the content and read it to the end: the status, and whether the body completed cleanly. */
async function read(url: string): Promise<{ status: number; outcome: 'completed' | 'aborted'; received: number; body: Buffer }> {
  const response = await fetch(url);
  const parts: Buffer[] = [];
  try {
    for await (const part of response.body as AsyncIterable<Uint8Array>) parts.push(Buffer.from(part));
  } catch {
    return { status: response.status, outcome: 'aborted', received: Buffer.concat(parts).length, body: Buffer.concat(parts) };
  }
  const body = Buffer.concat(parts);
  return { status: response.status, outcome: 'completed', received: body.length, body };
}

// 1 MiB is the largest size verified before sending; 1 MiB + 64 KiB streams, with an empty final chunk.
const SIZES = [1, 65535, 65536, 65537, 131072, 1024 * 1024, 1024 * 1024 + CHUNK, 1024 * 1024 + CHUNK + 1];

/** Chunks worth damaging: all for small items; first, middle, last full and final for streamed ones. */
function chunksToDamage(size: number): number[] {
  const finalIndex = Math.floor(size / CHUNK);
  const all = Array.from({ length: finalIndex + 1 }, (_, index) => index);
  if (all.length <= 4) return all;
  return [0, Math.floor(finalIndex / 2), finalIndex - 1, finalIndex];
}

describe('integrity at chunk boundaries: damage to any chunk never reads as a clean 200', () => {
  for (const size of SIZES) {
    it(`${size} bytes: damage in each chunk (final one included) fails the read`, async () => {
      const content = randomBytes(size);
      for (const index of chunksToDamage(size)) {
        const created = await createPaste(server.url, content);
        const stored = storedStream(created.id);
        const data = stored.read();
        expect(data.length, 'stored stream length').toBe(HEADER + size + (Math.floor(size / CHUNK) + 1) * TAG);
        const at = tagByteOf(index, size);
        data[at] = (data[at] as number) ^ 0x01;
        stored.write(data);

        const result = await read(created.raw);
        const where = `size ${size}, chunk ${index}`;
        if (result.status === 500) {
          const body = JSON.parse(result.body.toString('utf8')) as { error_code: string; integrity_report: { expected: string } };
          expect(body.error_code, where).toBe('INTEGRITY_CHECK_FAILED');
          expect(body.integrity_report.expected, where).toBe(created.sha256);
          await server.expectErrorLog(new RegExp(`"expected":"${created.sha256}".*"msg":"integrity check failed"`));
        } else {
          // Headers were sent (streamed item): the body must stop short and the connection break.
          expect(result.status, where).toBe(200);
          expect(size, `${where}: small items are verified before sending`).toBeGreaterThan(1024 * 1024);
          expect(result.outcome, where).toBe('aborted');
          expect(result.received, where).toBeLessThan(size);
          await server.expectErrorLog(new RegExp(`"expected":"${created.sha256}".*"msg":"integrity check failed mid-stream; response aborted"`));
        }
      }
      // The undamaged content still reads back whole: the failures above came from the damage.
      const intact = await createPaste(server.url, content);
      const result = await read(intact.raw);
      expect(result.status).toBe(200);
      expect(result.outcome).toBe('completed');
      expect(result.body.equals(content)).toBe(true);
    }, 90_000);
  }
});
