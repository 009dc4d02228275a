// The recent-row cache's stamp on SQLite (sqlite/change-stamp.ts): another process's commit and this
// process's writes both change it at once, even within one event-loop turn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { changeStamp } from '../../../src/storage/sqlite/change-stamp.js';

const opened: BetterSqlite3.Database[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Two connections on one WAL file: ours (the server's) and another process's. */
function twoConnections(): { ours: BetterSqlite3.Database; theirs: BetterSqlite3.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'sealbin-stamp-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  const ours = new BetterSqlite3(file);
  ours.pragma('journal_mode = WAL');
  ours.exec('create table t (x integer)');
  const theirs = new BetterSqlite3(file);
  opened.push(ours, theirs);
  return { ours, theirs };
}

describe('changeStamp', () => {
  it('stays the same while nothing is written', () => {
    const { ours } = twoConnections();
    const stamp = changeStamp(ours, { count: 0 });
    expect(stamp()).toBe(stamp());
  });

  it("changes at once after another connection's commit, with no turn of the event loop between", () => {
    const { ours, theirs } = twoConnections();
    const stamp = changeStamp(ours, { count: 0 });
    const before = stamp();
    theirs.prepare('insert into t values (1)').run();
    expect(stamp()).not.toBe(before);
  });

  it('changes at once with a write of this process', () => {
    const { ours } = twoConnections();
    const writes = { count: 0 };
    const stamp = changeStamp(ours, writes);
    const before = stamp();
    writes.count += 1;
    expect(stamp()).not.toBe(before);
  });
});
