// Recently read rows are cached (storage/sqlite/recent-rows.ts): a cached row must never serve an
// item that is deleted, burned, spent, expired or changed, whether the change came through this
// server, through another process writing the same database file, or only through the clock.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyBytes, expectError } from '../helpers/assertions.js';
import { createPaste } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: RunningServer;
beforeAll(async () => {
  // No sweep during the file: only the expiry check of a cached row can hide an expired item.
  server = await startServer({ env: { SEALBIN_CLEANUP_INTERVAL: '3600' } });
});
afterAll(async () => {
  await server.dispose();
});

/** Reads content and metadata a few times, so the row is certainly in the cache. */
async function warm(created: Created, content: string): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    const raw = await fetch(created.raw);
    expect(raw.status).toBe(200);
    expect((await bodyBytes(raw)).toString()).toBe(content);
    expect((await fetch(created.url)).status).toBe(200);
  }
}

async function expectGone(created: Created): Promise<void> {
  await expectError(await fetch(created.raw), 404, 'NOT_FOUND');
  await expectError(await fetch(created.url), 404, 'NOT_FOUND');
}

function database(): BetterSqlite3.Database {
  const conn = new BetterSqlite3(join(server.dataDir, 'sealbin.db'));
  conn.pragma('busy_timeout = 5000');
  return conn;
}

describe('a cached row never outlives its item', () => {
  it('deleted through the API: gone at once', async () => {
    const created = await createPaste(server.url, 'delete me');
    await warm(created, 'delete me');
    const deleted = await fetch(created.url, { method: 'DELETE', headers: { 'X-Delete-Token': created.delete_token ?? '' } });
    expect(deleted.status).toBe(204);
    await expectGone(created);
  });

  it('deleted by another process writing the database file: gone at once', async () => {
    const created = await createPaste(server.url, 'removed behind its back');
    await warm(created, 'removed behind its back');
    const conn = database();
    try {
      expect(conn.prepare('delete from items where id = ?').run(created.id).changes).toBe(1);
    } finally {
      conn.close();
    }
    await expectGone(created);
  });

  it('burned by another process (burned_at set): gone at once', async () => {
    const created = await createPaste(server.url, 'burned elsewhere');
    await warm(created, 'burned elsewhere');
    const conn = database();
    try {
      conn.prepare('update items set burned_at = ? where id = ?').run(Math.floor(Date.now() / 1000), created.id);
    } finally {
      conn.close();
    }
    await expectGone(created);
  });

  it('content altered by another process: the read fails its integrity check instead of serving the cached ciphertext', async () => {
    const a = await createPaste(server.url, 'first item');
    const b = await createPaste(server.url, 'second item');
    await warm(a, 'first item');
    const conn = database();
    try {
      const row = conn.prepare('select inline_data from items where id = ?').get(b.id) as { inline_data: Buffer };
      conn.prepare('update items set inline_data = ? where id = ?').run(row.inline_data, a.id);
    } finally {
      conn.close();
    }
    const response = await fetch(a.raw);
    await server.expectErrorLog(/"msg":"integrity check failed"/);
    await expectError(response, 500, 'INTEGRITY_CHECK_FAILED');
  });

  it('expired: gone once its time has passed, though nothing was written meanwhile', async () => {
    const created = await createPaste(server.url, 'short-lived', { 'X-Expiry': '3' });
    await warm(created, 'short-lived');
    // Metadata reads write nothing (no download count), so a hit is what answers until the expiry.
    await waitFor(async () => (await fetch(created.url)).status === 404, 'the metadata of the expired item to answer 404', { timeoutMs: 15_000, intervalMs: 200 });
    await expectGone(created);
    // Still 404 on later reads: the row is still in the database (no sweep ran), never served again.
    await expectGone(created);
  });

  it('burn after read: the metadata view does not let a second reader have the content', async () => {
    const created = await createPaste(server.url, 'once only', { 'X-Burn-After-Read': '1' });
    for (let i = 0; i < 3; i += 1) expect((await fetch(created.url)).status).toBe(200);
    const first = await fetch(created.raw);
    expect(first.status).toBe(200);
    expect((await bodyBytes(first)).toString()).toBe('once only');
    await expectGone(created);
  });

  it('a download limit: exactly that many reads, metadata reads in between', async () => {
    const created = await createPaste(server.url, 'twice', { 'X-Max-Downloads': '2' });
    for (let read = 0; read < 2; read += 1) {
      expect((await fetch(created.url)).status).toBe(200);
      const response = await fetch(created.raw);
      expect(response.status).toBe(200);
      expect((await bodyBytes(response)).toString()).toBe('twice');
    }
    await waitFor(async () => (await fetch(created.url)).status === 404, 'the spent item to disappear');
    await expectGone(created);
  });

  it('a download limit set by another process on a cached item is honoured', async () => {
    const created = await createPaste(server.url, 'limited later');
    await warm(created, 'limited later');
    const conn = database();
    try {
      conn.prepare('update items set downloads_remaining = 1 where id = ?').run(created.id);
    } finally {
      conn.close();
    }
    const response = await fetch(created.raw);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-downloads-remaining')).toBe('0');
    await bodyBytes(response);
    await waitFor(async () => (await fetch(created.raw)).status === 404, 'the item spent by its one read to disappear');
    await expectGone(created);
  });
});
