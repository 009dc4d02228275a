// The backup and restore procedure of docs/operations.md, done to a running server: master key,
// then the database (SQLite online backup), then blobs/ and audit.log; restored into a fresh data
// dir and started. Items written or deleted while the backup ran behave as the docs say.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createPaste, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { makeDataDir, startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const blobFiles = (dir: string): string[] =>
  existsSync(join(dir, 'blobs'))
    ? readdirSync(join(dir, 'blobs'))
        .filter((name) => name !== 'tmp')
        .flatMap((sub) => readdirSync(join(dir, 'blobs', sub)))
    : [];

describe('backup while running, restore into a new data dir (docs/operations.md)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('restores every item that existed when the database was copied; later writes and deletes are swept or fail closed', async () => {
    const original: RunningServer = await startServer();
    cleanup.push(() => original.dispose());
    const small = await createPaste(original.url, 'small inline paste');
    const large = await createPaste(original.url, Buffer.alloc(300 * 1024, 7));
    const share = await uploadFile(original.url, Buffer.alloc(100 * 1024, 9), 'share.bin');
    const doomed = await createPaste(original.url, Buffer.alloc(200 * 1024, 3));

    const backup = mkdtempSync(join(tmpdir(), 'sealbin-backup-'));
    cleanup.push(() => rmSync(backup, { recursive: true, force: true }));
    // 1. The master key (kept apart from data backups in real life).
    copyFileSync(join(original.dataDir, 'master.key'), join(backup, 'master.key'));
    // 2. The database, consistent while the server writes (what `sqlite3 sealbin.db ".backup …"` does).
    const db = new BetterSqlite3(join(original.dataDir, 'sealbin.db'), { readonly: true, fileMustExist: true });
    await db.backup(join(backup, 'sealbin.db'));
    db.close();
    // Traffic between the database copy and the blob copy: one item deleted, one created.
    const del = await fetch(`${original.url}/${doomed.id}`, { method: 'DELETE', headers: { 'x-delete-token': doomed.delete_token as string } });
    expect(del.status).toBe(204);
    const late: Created = await createPaste(original.url, Buffer.alloc(150 * 1024, 5));
    // 3. The blobs, then the audit log.
    cpSync(join(original.dataDir, 'blobs'), join(backup, 'blobs'), { recursive: true, preserveTimestamps: true });
    if (existsSync(join(original.dataDir, 'audit.log'))) copyFileSync(join(original.dataDir, 'audit.log'), join(backup, 'audit.log'));
    expect(await original.stop()).toBe(0);

    // Restore: a fresh 0700 dir, the files copied in, no -wal/-shm beside the database, key 0600.
    const restored = makeDataDir();
    rmSync(restored, { recursive: true, force: true });
    mkdirSync(restored, { mode: 0o700 });
    cpSync(backup, restored, { recursive: true });
    chmodSync(join(restored, 'master.key'), 0o600);
    expect(readdirSync(restored).filter((name) => name.startsWith('sealbin.db-'))).toEqual([]);
    // A backup restored some hours after it was taken, with its times kept (rsync -a): the cleanup
    // removes blobs without a row only once they are an hour old (another instance's upload may be
    // waiting for its row), so the leftover must be old for the start-up run to take it.
    const hoursAgo = new Date(Date.now() - 3 * 3_600_000);
    for (const sub of readdirSync(join(restored, 'blobs')).filter((name) => name !== 'tmp')) {
      for (const file of readdirSync(join(restored, 'blobs', sub))) utimesSync(join(restored, 'blobs', sub, file), hoursAgo, hoursAgo);
    }
    const server = await startServer({ dataDir: restored });
    cleanup.push(() => server.dispose());

    for (const item of [small, large, share]) {
      const response = await fetch(`${server.url}/${item.id}/raw`);
      expect(response.status, item.id).toBe(200);
      expect(response.headers.get('x-content-sha256')).toBe(item.sha256);
      await response.arrayBuffer();
    }
    expect((await fetch(`${server.url}/download/${share.key as string}`)).status).toBe(200);
    // Created after the database copy: not in the restored database; its blob is an orphan, shredded by the start-up run.
    expect((await fetch(`${server.url}/${late.id}`)).status).toBe(404);
    await server.waitForLog((line) => line.msg === 'startup cleanup' && line['orphans'] === 1, 'the start-up run shredding the orphan');
    // large and share (the small paste lives inline in the database; doomed's blob was shredded).
    expect(blobFiles(restored)).toHaveLength(2);
    // Deleted after the database copy: the row came back without its blob and fails closed (never wrong content).
    const gone = await fetch(`${server.url}/${doomed.id}/raw`);
    expect(gone.status).toBe(500);
    expect(((await gone.json()) as { error_code: string }).error_code).toBe('INTEGRITY_CHECK_FAILED');
    await server.expectErrorLog(/"detail":"stored content is missing".*"msg":"integrity check failed"/);
    expect((statSync(restored).mode & 0o777).toString(8)).toBe('700');
  });
});
