// storage-faults (black box): a database locked by another process answers 503 DATABASE_BUSY with
// Retry-After and the contract's JSON, never 500; while it lasts /health is 503 and names the
// database; service resumes after. The full disk (507) is full-disk.test.ts.
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

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
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
  });
});
