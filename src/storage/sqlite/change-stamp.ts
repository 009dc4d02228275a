// The recent-row cache's validity check (recent-rows.ts), for SQLite: a value that changes with
// every write this process makes and every commit another process makes to the same file.
import type BetterSqlite3 from 'better-sqlite3';
import type { ChangeStamp } from './recent-rows.js';

/** Counts the statements of this process that may change rows (sqlite-stores.ts bumps it). */
export interface WriteCount {
  count: number;
}

/**
 * `PRAGMA data_version` changes when another connection commits (another process sharing the data
 * dir, `sealbin rotate-master-key`); this process's own writes are counted in `writes`. It is read on
 * every lookup, although it takes SQLite's shared lock and is the larger part of a cached read:
 * reusing one reading for the rest of an event-loop turn was tried and refused, because a request
 * can arrive after the reading within the same turn (a keep-alive client's next request read in the
 * same poll phase, a lookup first made from a timer or setImmediate), and a row another process had
 * deleted before that request arrived could then be served.
 */
export function changeStamp(sqlite: BetterSqlite3.Database, writes: WriteCount): ChangeStamp {
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  return () => `${writes.count}:${String(dataVersion.get())}`;
}
