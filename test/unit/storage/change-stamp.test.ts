// The recent-row cache's stamp on SQLite (sqlite/change-stamp.ts): another process's commit changes
// it by the next event-loop turn, this process's writes at once, and PRAGMA data_version is read
// once per turn, not once per lookup.
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

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('changeStamp', () => {
  it('changes after another connection commits, from the next turn on', async () => {
    const { ours, theirs } = twoConnections();
    const stamp = changeStamp(ours, { count: 0 });
    const before = stamp();
    await nextTurn();
    expect(stamp()).toBe(before);
    theirs.prepare('insert into t values (1)').run();
    await nextTurn();
    const after = stamp();
    expect(after).not.toBe(before);
    await nextTurn();
    expect(stamp()).toBe(after);
  });

  it('changes at once with a write of this process, even within the same turn', () => {
    const { ours } = twoConnections();
    const writes = { count: 0 };
    const stamp = changeStamp(ours, writes);
    const before = stamp();
    writes.count += 1;
    expect(stamp()).not.toBe(before);
  });

  it('reads data_version once per turn: a commit within the turn is seen on the next one', async () => {
    const { ours, theirs } = twoConnections();
    const stamp = changeStamp(ours, { count: 0 });
    const first = stamp();
    // A request that arrived before this commit was already served with `first`; the commit is
    // seen by every lookup from the next turn on, which is when a request arriving after it runs.
    theirs.prepare('insert into t values (2)').run();
    expect(stamp()).toBe(first);
    await nextTurn();
    expect(stamp()).not.toBe(first);
  });
});
