// Which insert failures are a primary key that already has a row (a tus completion run again finds
// its item by that): SQLite's extended code and PostgreSQL's unique violation on a primary key,
// also wrapped in a cause; never another unique index, nor any other error.
import { describe, expect, it } from 'vitest';
import { isDuplicateKey } from '../../../src/core/storage-fault.js';

const failure = (fields: Record<string, unknown>) => Object.assign(new Error('insert failed'), fields);

describe('isDuplicateKey', () => {
  it('is a primary key that already has a row, on either database, also as a cause', () => {
    expect(isDuplicateKey(failure({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }))).toBe(true);
    expect(isDuplicateKey(failure({ code: '23505', constraint: 'items_pkey' }))).toBe(true);
    expect(isDuplicateKey(new Error('wrapped', { cause: failure({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }) }))).toBe(true);
  });

  it('is not another unique index (a download key hash), another constraint, or anything else', () => {
    for (const other of [
      failure({ code: 'SQLITE_CONSTRAINT_UNIQUE' }),
      failure({ code: 'SQLITE_CONSTRAINT_NOTNULL' }),
      failure({ code: '23505', constraint: 'items_key_hash_key' }),
      failure({ code: '23505' }),
      failure({ code: '23502', constraint: 'items_pkey' }),
      failure({ code: 'ENOSPC' }),
      new Error('plain'),
      { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' },
      null,
    ])
      expect(isDuplicateKey(other), JSON.stringify(other)).toBe(false);
  });
});
