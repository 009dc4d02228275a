// storage-faults (black box): a full disk answers 507 INSUFFICIENT_STORAGE and a database locked by
// another process 503 DATABASE_BUSY, both with Retry-After and the contract's JSON, never 500; while
// it lasts /health is 503 and names the failing part ("disk" / "database"); service resumes after.
// The full disk is a small tmpfs (needs root and mount; skipped with the reason otherwise).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

interface Health {
  status: string;
  checks: Record<string, string>;
}

async function post(server: RunningServer, body: Buffer | string): Promise<Response> {
  return fetch(`${server.url}/`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
}

async function expectStorageError(response: Response, status: number, code: string): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body['error_code']).toBe(code);
  expect(body['request_id']).toBe(response.headers.get('x-request-id'));
  // Nothing about the files or the driver reaches the client.
  expect(text).not.toMatch(/ENOSPC|SQLITE|sealbin\.db|\/tmp\//);
}

async function health(server: RunningServer): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${server.url}/health`);
  return { status: response.status, body: (await response.json()) as Health };
}

/** A tmpfs of `size` at a fresh directory, or the reason it cannot be mounted here. */
function mountTmpfs(size: string): { dir: string } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sealbin-full-'));
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.status === 0) return { dir };
  rmSync(dir, { recursive: true, force: true });
  return { skip: `cannot mount a tmpfs (needs root): ${(result.stderr || result.error?.message || '').trim()}` };
}

/** Writes until the file system refuses (ENOSPC); returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

const mounted = mountTmpfs('16m');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  // Mounted when the file is collected, so also when a filter skips the test that uses it.
  if ('dir' in mounted) {
    spawnSync('umount', [mounted.dir]);
    rmSync(mounted.dir, { recursive: true, force: true });
  }
});

describe.skipIf('skip' in mounted)(`storage-faults: disk full${'skip' in mounted ? ` (skipped: ${mounted.skip})` : ''}`, () => {
  it('a creation on a full disk is 507 INSUFFICIENT_STORAGE with Retry-After, /health names the disk, and it recovers', async () => {
    if (!('dir' in mounted)) throw new Error('unreachable: skipped without a mount');
    const dataDir = join(mounted.dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const server = await startServer({ dataDir });
    cleanups.push(() => server.dispose());
    expect((await post(server, randomBytes(300_000))).status).toBe(201);

    const filler = fill(mounted.dir);
    // Spilled to a blob file (over 64 KiB), which cannot be written.
    await expectStorageError(await post(server, randomBytes(300_000)), 507, 'INSUFFICIENT_STORAGE');
    await server.expectErrorLog(/ENOSPC.*request failed|request failed.*ENOSPC/);
    // Inline in the database (SQLite may still have free pages for it): stored, or 507, never 500.
    const small = await post(server, randomBytes(2000));
    expect([201, 507]).toContain(small.status);
    if (small.status === 507) {
      await expectStorageError(small, 507, 'INSUFFICIENT_STORAGE');
      await server.expectErrorLog(/SQLITE_FULL|database or disk is full/);
    }
    const full = await health(server);
    expect(full.status).toBe(503);
    expect(full.body.status).toBe('unavailable');
    expect(full.body.checks['disk']).toBe('failed');

    rmSync(filler);
    expect((await post(server, randomBytes(300_000))).status).toBe(201);
    const recovered = await health(server);
    expect(recovered.status).toBe(200);
    expect(recovered.body.checks['disk']).toBe('ok');
  }, 60_000);
});

describe('storage-faults: database locked by another process', () => {
  it('a creation is 503 DATABASE_BUSY with Retry-After (not 500), /health names the database, and it recovers', async () => {
    const server = await startServer();
    cleanups.push(() => server.dispose());
    expect((await post(server, 'before the lock')).status).toBe(201);

    const other = new BetterSqlite3(join(server.dataDir, 'sealbin.db'));
    cleanups.push(() => {
      if (other.open) other.close();
    });
    other.prepare('BEGIN EXCLUSIVE').run();
    try {
      // The server waits out its busy timeout (5 s), then answers.
      await expectStorageError(await post(server, 'while it is locked'), 503, 'DATABASE_BUSY');
      await server.expectErrorLog(/SQLITE_BUSY.*request failed|request failed.*SQLITE_BUSY|database is locked/);
      const locked = await health(server);
      expect(locked.status).toBe(503);
      expect(locked.body.checks['database']).toBe('failed');
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect((await post(server, 'after the lock')).status).toBe(201);
    const recovered = await health(server);
    expect(recovered.status).toBe(200);
    expect(recovered.body.checks['database']).toBe('ok');
  }, 60_000);
});
