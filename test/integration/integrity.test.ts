// Tampering with stored data is detected on read: a flipped byte, swapped blobs, swapped inline
// rows, an altered recorded hash. Small items fail before the first byte (JSON 500); large items
// abort mid-stream, short of their Content-Length, rather than end in a body that looks complete.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

function db(): BetterSqlite3.Database {
  return new BetterSqlite3(join(server.dataDir, 'sealbin.db'));
}

function blobPath(id: string): string {
  const conn = db();
  const row = conn.prepare('select blob_id from items where id = ?').get(id) as { blob_id: string | null };
  conn.close();
  if (!row.blob_id) throw new Error('item is inline');
  return join(server.dataDir, 'blobs', row.blob_id.slice(0, 2), row.blob_id);
}

async function expectIntegrityError(url: string, sha256: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  expect(response.status).toBe(500);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body['error_code']).toBe('INTEGRITY_CHECK_FAILED');
  const report = body['integrity_report'] as Record<string, unknown>;
  expect(report['expected']).toBe(sha256);
  expect(report).toHaveProperty('actual');
  await expectIntegrityLog(sha256);
  return body;
}

/** Every detected tampering is logged at error level for the operator: exactly the one line per failed read. */
async function expectIntegrityLog(sha256: string, message = 'integrity check failed'): Promise<void> {
  await server.expectErrorLog(new RegExp(`"expected":"${sha256}".*"msg":"${message}"`));
}

/** Reads a response body to its end: whether it completed or was aborted, and how many bytes came. */
async function drain(response: Response): Promise<{ outcome: 'completed' | 'aborted'; received: number }> {
  let received = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { outcome: 'completed', received };
      received += value.length;
    }
  } catch {
    return { outcome: 'aborted', received };
  }
}

describe('integrity on read', () => {
  it('a flipped byte in a stored blob fails the read', async () => {
    const created = await createPaste(server.url, randomBytes(200_000));
    const path = blobPath(created.id);
    const data = readFileSync(path);
    data[1000] = (data[1000] as number) ^ 0x01;
    writeFileSync(path, data);
    await expectIntegrityError(created.raw, created.sha256);
  });

  it('two swapped blobs both fail instead of serving each other', async () => {
    const a = await createPaste(server.url, randomBytes(150_000));
    const b = await createPaste(server.url, randomBytes(150_000));
    const pathA = blobPath(a.id);
    const pathB = blobPath(b.id);
    renameSync(pathA, `${pathA}.swap`);
    renameSync(pathB, pathA);
    renameSync(`${pathA}.swap`, pathB);
    await expectIntegrityError(a.raw, a.sha256);
    await expectIntegrityError(b.raw, b.sha256);
  });

  it('small items stored inline: a flipped byte and swapped rows fail too', async () => {
    const a = await createPaste(server.url, 'first small paste');
    const b = await createPaste(server.url, 'second small paste');
    const conn = db();
    const rowA = conn.prepare('select inline_data from items where id = ?').get(a.id) as { inline_data: Buffer };
    const rowB = conn.prepare('select inline_data from items where id = ?').get(b.id) as { inline_data: Buffer };
    conn.prepare('update items set inline_data = ? where id = ?').run(rowB.inline_data, a.id);
    conn.prepare('update items set inline_data = ? where id = ?').run(rowA.inline_data, b.id);
    conn.close();
    await expectIntegrityError(a.raw, a.sha256);
    await expectIntegrityError(b.raw, b.sha256);

    const c = await createPaste(server.url, 'third small paste');
    const conn2 = db();
    const rowC = conn2.prepare('select inline_data from items where id = ?').get(c.id) as { inline_data: Buffer };
    rowC.inline_data[20] = (rowC.inline_data[20] as number) ^ 0x80;
    conn2.prepare('update items set inline_data = ? where id = ?').run(rowC.inline_data, c.id);
    conn2.close();
    await expectIntegrityError(c.raw, c.sha256);
  });

  it('a recorded hash that no longer matches is reported with the actual hash', async () => {
    const created = await createPaste(server.url, 'hash me');
    const conn = db();
    conn.prepare('update items set sha256 = ? where id = ?').run('0'.repeat(64), created.id);
    conn.close();
    const response = await fetch(created.raw);
    const body = (await response.json()) as { integrity_report: { expected: string; actual: string } };
    expect(response.status).toBe(500);
    expect(body.integrity_report.expected).toBe('0'.repeat(64));
    expect(body.integrity_report.actual).toBe(created.sha256);
    await expectIntegrityLog('0'.repeat(64));
  });

  it('a large (streamed) item whose recorded hash no longer matches is aborted short of Content-Length, whole or as bytes=0-', async () => {
    const size = 5 * 1024 * 1024;
    const created = await createPaste(server.url, randomBytes(size));
    const conn = db();
    conn.prepare('update items set sha256 = ? where id = ?').run('0'.repeat(64), created.id);
    conn.close();
    for (const headers of [{}, { range: 'bytes=0-' }] as Record<string, string>[]) {
      const response = await fetch(created.raw, { headers });
      expect(response.status, JSON.stringify(headers)).toBe('range' in headers ? 206 : 200);
      expect(response.headers.get('content-length')).toBe(String(size));
      const { outcome, received } = await drain(response);
      // The mismatch is only known after the last byte was decrypted; the end was held back until then.
      expect(outcome, JSON.stringify(headers)).toBe('aborted');
      expect(received).toBeLessThan(size);
      await expectIntegrityLog('0'.repeat(64), 'integrity check failed mid-stream; response aborted');
    }
  });

  it('corruption late in a large item aborts the response instead of completing it', async () => {
    const size = 5 * 1024 * 1024;
    const created = await createPaste(server.url, randomBytes(size));
    const path = blobPath(created.id);
    const data = readFileSync(path);
    data[data.length - 40_000] = (data[data.length - 40_000] as number) ^ 0xff;
    writeFileSync(path, data);
    const response = await fetch(created.raw);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(size));
    const { outcome, received } = await drain(response);
    expect(outcome).toBe('aborted');
    expect(received).toBeLessThan(size);
    await expectIntegrityLog(created.sha256, 'integrity check failed mid-stream; response aborted');
  });
});
