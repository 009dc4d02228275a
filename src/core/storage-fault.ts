// Which storage fault an error is: a full disk (ENOSPC, EDQUOT, SQLite's SQLITE_FULL) or a database
// another process holds locked (SQLITE_BUSY/LOCKED after the busy timeout). Plain error codes, so the
// domain can react to a full disk (free space before a removal) without knowing the drivers.

export type StorageFault = 'disk' | 'database';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/**
 * Which fault an error (or an error it wraps, via `cause`) is, or null.
 * @example storageFault(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })) === 'database'
 */
export function storageFault(error: unknown): StorageFault | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') continue;
    if (DISK_FULL.has(code)) return 'disk';
    // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED, SQLITE_LOCKED_SHAREDCACHE ...
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'database';
  }
  return null;
}

/** True when `error` says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  return storageFault(error) === 'disk';
}
