// Which storage fault an error is: a full disk (ENOSPC, EDQUOT, SQLite's SQLITE_FULL), a database
// another process holds locked (SQLITE_BUSY/LOCKED after the busy timeout; PostgreSQL timeouts and
// deadlocks) or a database server that is down or restarting. Plain error codes, so the
// domain can react to a full disk (free space before a removal) without knowing the drivers.

export type StorageFault = 'disk' | 'database' | 'unreachable';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
/** A database server that cannot be reached or is restarting (socket errors; SQLSTATE 08xxx, 57P01-03, 53300). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
/** PostgreSQL busy rather than gone: a statement timeout, a deadlock victim, a serialisation failure. */
const PG_BUSY = new Set(['57014', '40P01', '40001', '55P03']);
/** pg and pg-pool report a lost or timed-out connection without a code. */
const LOST_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed)/;

/**
 * Which fault an error (or an error it wraps, via `cause`) is, or null.
 * @example storageFault(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })) === 'database'
 */
export function storageFault(error: unknown): StorageFault | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') {
      if (LOST_CONNECTION.test(current.message)) return 'unreachable';
      continue;
    }
    if (DISK_FULL.has(code)) return 'disk';
    if (UNREACHABLE.has(code) || code.startsWith('08')) return 'unreachable';
    if (PG_BUSY.has(code)) return 'database';
    // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED, SQLITE_LOCKED_SHAREDCACHE ...
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'database';
  }
  return null;
}

/**
 * True when an insert failed because its primary key already has a row (SQLite's extended code,
 * PostgreSQL's unique violation on a `*_pkey` constraint), looking through `cause` as above.
 */
export function isDuplicateKey(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const { code, constraint } = current as Error & { code?: unknown; constraint?: unknown };
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
    if (code === '23505' && typeof constraint === 'string' && constraint.endsWith('_pkey')) return true;
  }
  return false;
}

/** True when `error` says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  return storageFault(error) === 'disk';
}
