// The recent-row cache's validity check (recent-rows.ts), for SQLite: a value that changes with
// every write this process makes and every commit another process makes to the same file.
import type BetterSqlite3 from 'better-sqlite3';
import type { ChangeStamp } from './recent-rows.js';

/** Counts the statements of this process that may change rows (sqlite-stores.ts bumps it). */
export interface WriteCount {
  count: number;
}

/**
 * `PRAGMA data_version` changes when another connection commits; it takes SQLite's shared lock (two
 * fcntl calls) to read, which was the largest part of a cached read. It is therefore read once per
 * event-loop turn and reused until setImmediate, which runs after the turn's I/O callbacks: every
 * request served in a turn had arrived before the turn began, and the value is read during the turn,
 * so a commit another process finished before a request arrived is always seen by that request, as
 * when it was read on every lookup. This process's own writes count at once (`writes.count`).
 */
export function changeStamp(sqlite: BetterSqlite3.Database, writes: WriteCount): ChangeStamp {
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  let version: string | null = null;
  const forget = (): void => {
    version = null;
  };
  return () => {
    if (version === null) {
      version = String(dataVersion.get());
      setImmediate(forget);
    }
    return `${writes.count}:${version}`;
  };
}
