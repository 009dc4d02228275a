// Storage that cannot take a write: a full disk (ENOSPC, SQLite's SQLITE_FULL), a database another
// process holds locked (SQLITE_BUSY/LOCKED after the busy timeout; PostgreSQL timeouts, deadlocks) or
// a PostgreSQL server that is down or restarting. All are the server's state, not a bug: the client
// gets 507 / 503 with Retry-After instead of 500, and /health names the failing part for a while.
import type { Clock } from '../core/clock.js';
import type { StorageFault } from '../core/storage-fault.js';

export type { StorageFault } from '../core/storage-fault.js';
export { storageFault } from '../core/storage-fault.js';

/** How long /health reports a fault after the last write that hit it. */
export const FAULT_MEMORY_SECONDS = 60;
/** Retry-After of each fault: space is freed by an operator, a lock is usually gone within seconds. */
export const FAULT_RETRY_AFTER: Readonly<Record<StorageFault, number>> = { disk: 60, database: 5, unreachable: 5 };

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

  /** One fault is over (e.g. free space measured back well above the floor). */
  forget(fault: StorageFault): void {
    this.seen.delete(fault);
  }

  /** Faults hit within the last FAULT_MEMORY_SECONDS. */
  recent(): StorageFault[] {
    const now = this.clock.now();
    return [...this.seen].filter(([, at]) => now - at < FAULT_MEMORY_SECONDS).map(([fault]) => fault);
  }
}
