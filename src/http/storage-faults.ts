// Storage that cannot take a write: a full disk (ENOSPC, SQLite's SQLITE_FULL), a database another
// process holds locked (SQLITE_BUSY/LOCKED after the busy timeout; PostgreSQL timeouts, deadlocks) or
// a PostgreSQL server that is down or restarting. All are the server's state, not a bug: the client
// gets 507 / 503 with Retry-After instead of 500, and /health names the failing part for a while.
import type { Clock } from '../core/clock.js';

export type StorageFault = 'disk' | 'database' | 'unreachable';

/** How long /health reports a fault after the last write that hit it. */
export const FAULT_MEMORY_SECONDS = 60;
/** Retry-After of each fault: space is freed by an operator, a lock is usually gone within seconds. */
export const FAULT_RETRY_AFTER: Readonly<Record<StorageFault, number>> = { disk: 60, database: 5, unreachable: 5 };

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

/** The faults recent writes ran into, for /health. */
export class StorageFaults {
  private readonly seen = new Map<StorageFault, number>();

  constructor(private readonly clock: Clock) {}

  record(fault: StorageFault): void {
    this.seen.set(fault, this.clock.now());
  }

  /** A write went through (a creation answered 201): the disk and database take writes again. */
  clear(): void {
    this.seen.clear();
  }

  /** Faults hit within the last FAULT_MEMORY_SECONDS. */
  recent(): StorageFault[] {
    const now = this.clock.now();
    return [...this.seen].filter(([, at]) => now - at < FAULT_MEMORY_SECONDS).map(([fault]) => fault);
  }
}
