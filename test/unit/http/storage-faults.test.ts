// Which storage errors are a full disk or a locked database (507 / 503 instead of 500), and how long
// /health remembers them.
import { describe, expect, it } from 'vitest';
import { toAppError } from '../../../src/http/error-reply.js';
import { FAULT_MEMORY_SECONDS, StorageFaults, storageFault } from '../../../src/http/storage-faults.js';
import { fakeClock } from '../../helpers/fake-clock.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('storageFault', () => {
  it('names a full disk and a locked database, also wrapped in a cause, and nothing else', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) expect(storageFault(coded(code)), code).toBe('disk');
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']) expect(storageFault(coded(code)), code).toBe('database');
    expect(storageFault(new Error('wrapped', { cause: coded('ENOSPC') }))).toBe('disk');
    for (const other of [coded('EIO'), coded('SQLITE_ERROR'), coded('SQLITE_CORRUPT'), new Error('plain'), 'ENOSPC', null, { code: 'ENOSPC' }]) expect(storageFault(other)).toBeNull();
  });

  it('maps to 507 INSUFFICIENT_STORAGE and 503 DATABASE_BUSY with retry_after, never 500', () => {
    const full = toAppError(coded('SQLITE_FULL', 'database or disk is full'));
    expect([full.code, full.status]).toEqual(['INSUFFICIENT_STORAGE', 507]);
    expect(full.extra['retry_after']).toBeGreaterThan(0);
    const busy = toAppError(coded('SQLITE_BUSY', 'database is locked'));
    expect([busy.code, busy.status]).toEqual(['DATABASE_BUSY', 503]);
    expect(busy.extra['retry_after']).toBeGreaterThan(0);
    // The driver's words never reach the client.
    expect(`${busy.message} ${full.message}`).not.toMatch(/SQLITE|disk is full/);
  });
});

describe('storageFault: PostgreSQL', () => {
  it('names an unreachable or restarting server, and a busy one, from codes and pg\'s uncoded messages', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '53300']) expect(storageFault(coded(code)), code).toBe('unreachable');
    for (const message of ['Connection terminated unexpectedly', 'timeout exceeded when trying to connect']) expect(storageFault(new Error(message)), message).toBe('unreachable');
    for (const code of ['57014', '40P01', '40001']) expect(storageFault(coded(code)), code).toBe('database');
    // Errors in the query itself are bugs, not outages: they stay 500.
    for (const code of ['42P01', '23505', '22P02']) expect(storageFault(coded(code)), code).toBeNull();
  });

  it('maps an unreachable PostgreSQL to 503 BACKEND_UNAVAILABLE with retry_after, without the driver\'s words', () => {
    const down = toAppError(coded('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432'));
    expect([down.code, down.status]).toEqual(['BACKEND_UNAVAILABLE', 503]);
    expect(down.extra['retry_after']).toBeGreaterThan(0);
    expect(down.message).not.toMatch(/ECONNREFUSED|10\.0\.0\.5/);
  });
});

describe('StorageFaults', () => {
  it('reports a fault for FAULT_MEMORY_SECONDS, and forgets it after a successful write', () => {
    const clock = fakeClock();
    const faults = new StorageFaults(clock);
    faults.record('disk');
    expect(faults.recent()).toEqual(['disk']);
    clock.advance(FAULT_MEMORY_SECONDS - 1);
    expect(faults.recent()).toEqual(['disk']);
    clock.advance(1);
    expect(faults.recent()).toEqual([]);
    faults.record('database');
    faults.clear();
    expect(faults.recent()).toEqual([]);
  });
});
