// Which statements arm the WAL shredder, and that it checkpoints only outside a transaction.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { RootOperationNode } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { WalShredder, removesOrOverwrites } from '../../../src/storage/sqlite/wal-shredder.js';
import type { Database } from '../../../src/storage/sql/schema.js';
import { waitFor } from '../../helpers/wait.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function node(query: { toOperationNode(): unknown }): RootOperationNode {
  return query.toOperationNode() as RootOperationNode;
}

describe('removesOrOverwrites', () => {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: async () => new BetterSqlite3(':memory:') }) });

  it('deletes, content updates and upserts arm it; reads, plain inserts and counter updates do not', () => {
    expect(removesOrOverwrites(node(db.deleteFrom('items').where('id', '=', 'x')))).toBe(true);
    expect(removesOrOverwrites(node(db.updateTable('items').set({ inline_data: Buffer.alloc(1) })))).toBe(true);
    expect(removesOrOverwrites(node(db.updateTable('items').set({ burned_at: 1, downloads: 2 })))).toBe(true);
    expect(removesOrOverwrites(node(db.insertInto('settings').values({ name: 'a', value: 'b' }).onConflict((oc) => oc.column('name').doUpdateSet({ value: 'b' }))))).toBe(true);
    expect(removesOrOverwrites(node(db.updateTable('items').set({ downloads: 3 })))).toBe(false);
    expect(removesOrOverwrites(node(db.updateTable('short_links').set({ clicks: 3 })))).toBe(false);
    expect(removesOrOverwrites(node(db.insertInto('settings').values({ name: 'a', value: 'b' })))).toBe(false);
    expect(removesOrOverwrites(node(db.selectFrom('items').selectAll()))).toBe(false);
  });
});

describe('WalShredder', () => {
  function openWal(): BetterSqlite3.Database {
    const dir = mkdtempSync(join(tmpdir(), 'sealbin-wal-'));
    dirs.push(dir);
    const sqlite = new BetterSqlite3(join(dir, 'x.db'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('create table t (v blob)');
    sqlite.prepare('insert into t values (?)').run(Buffer.alloc(10_000, 7));
    return sqlite;
  }
  const walSize = (sqlite: BetterSqlite3.Database): number => statSync(`${sqlite.name}-wal`).size;

  it('truncates the WAL to zero bytes within its delay', async () => {
    const sqlite = openWal();
    expect(walSize(sqlite)).toBeGreaterThan(0);
    new WalShredder(sqlite, undefined, 20).schedule();
    await waitFor(() => walSize(sqlite) === 0, 'the WAL to be truncated');
    sqlite.close();
  });

  it('never blocks on another connection reading the WAL: it answers busy at once and retries', async () => {
    const sqlite = openWal();
    sqlite.pragma('busy_timeout = 5000');
    const reader = new BetterSqlite3(sqlite.name);
    reader.exec('begin');
    reader.prepare('select count(*) from t').get();
    const shredder = new WalShredder(sqlite, undefined, 20);
    const started = Date.now();
    expect(shredder.run()).toBe(false);
    // Against the 5 s busy timeout it would otherwise wait out.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    reader.exec('commit');
    reader.close();
    await waitFor(() => walSize(sqlite) === 0, 'the retried checkpoint');
    sqlite.close();
  });

  it('waits for an open transaction to end instead of checkpointing inside it', async () => {
    const sqlite = openWal();
    const shredder = new WalShredder(sqlite, undefined, 20);
    sqlite.exec('begin');
    expect(shredder.run()).toBe(false);
    expect(shredder.stats.runs).toBe(0);
    sqlite.exec('commit');
    await waitFor(() => walSize(sqlite) === 0, 'the retried checkpoint');
    sqlite.close();
  });
});
