// Durable group commit off the event loop: an insert batch commits without SQLite's in-line fsync,
// and its callers are answered only once the WAL is synced (sqlite/wal-sync.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlStores } from '../../../src/storage/sql/sql-stores.js';
import type { Database } from '../../../src/storage/sql/schema.js';
import { WalSync } from '../../../src/storage/sqlite/wal-sync.js';
import { item } from '../../storage/records.js';

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealbin-wal-sync-'));
  dirs.push(dir);
  return dir;
}

/** A sync the test releases by hand, recording what another connection saw when it was asked. */
function gatedSync(file: string) {
  const calls: { rowsVisible: number; release: (error?: Error) => void }[] = [];
  return {
    calls,
    sync: () =>
      new Promise<void>((resolve, reject) => {
        const reader = new BetterSqlite3(file, { readonly: true });
        const { n } = reader.prepare('select count(*) as n from items').get() as { n: number };
        reader.close();
        calls.push({ rowsVisible: n, release: (error) => (error ? reject(error) : resolve()) });
      }),
  };
}

async function open() {
  const file = join(tempDir(), 'test.db');
  const gate = gatedSync(file);
  const walSync = { sync: () => gate.sync() };
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const stores = await openSqlStores(db, 'sqlite', walSync as WalSync);
  cleanups.push(() => stores.metadata.close());
  return { gate, sqlite, metadata: stores.metadata };
}

const settle = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => error);

describe('group commit with the WAL synced off the event loop', () => {
  it('answers a batch only after its committed rows were synced, and leaves synchronous = FULL for every other write', async () => {
    const { gate, sqlite, metadata } = await open();
    let answered = 0;
    const inserts = [item(), item(), item()].map((record) => metadata.insertItem(record).then(() => answered++));
    await expect.poll(() => gate.calls.length).toBe(1);
    // The batch is committed (another connection sees all three rows) but nobody has been answered.
    expect(gate.calls[0]?.rowsVisible).toBe(3);
    expect(answered).toBe(0);
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(2);
    gate.calls[0]?.release();
    await Promise.all(inserts);
    expect(answered).toBe(3);
  });

  it('refuses every caller of a batch whose sync failed, with the sync error', async () => {
    const { gate, metadata } = await open();
    const outcomes = [item(), item()].map((record) => settle(metadata.insertItem(record)));
    await expect.poll(() => gate.calls.length).toBe(1);
    const failure = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    gate.calls[0]?.release(failure);
    expect(await Promise.all(outcomes)).toEqual([failure, failure]);
  });

  it('takes back the rows of a batch whose sync failed: no item lives that no client was told of', async () => {
    const { gate, sqlite, metadata } = await open();
    const records = [item(), item()];
    const outcomes = records.map((record) => settle(metadata.insertItem(record)));
    await expect.poll(() => gate.calls.length).toBe(1);
    expect(gate.calls[0]?.rowsVisible).toBe(2);
    gate.calls[0]?.release(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await Promise.all(outcomes);
    expect((sqlite.prepare('select count(*) as n from items').get() as { n: number }).n).toBe(0);
    for (const record of records) expect(await metadata.getLive(record.id, record.createdAt)).toBeNull();
  });
});

describe('WalSync', () => {
  it('syncs an existing WAL file, and reports a missing one instead of pretending', async () => {
    const dir = tempDir();
    const missing = new WalSync(join(dir, 'none.db-wal'));
    await expect(missing.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    // The next call tries again (the file may exist by then).
    writeFileSync(join(dir, 'none.db-wal'), 'frames');
    await expect(missing.sync()).resolves.toBeUndefined();
    await missing.close();
    await expect(missing.sync()).rejects.toThrow(/closed/);
  });
});
