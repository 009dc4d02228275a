// The database password never reaches a log line or an error message.
import { describe, expect, it } from 'vitest';
import { redactDatabaseUrl, redactPassword } from '../../../src/storage/postgres/postgres-url.js';

describe('redactDatabaseUrl', () => {
  it('replaces the password (also an encoded one, or one given as a parameter) and keeps the rest', () => {
    expect(redactDatabaseUrl('postgres://app:s3cret@db:5432/sealbin')).toBe('postgres://app:***@db:5432/sealbin');
    expect(redactDatabaseUrl('postgresql://app:p%40ss%2Fword@db/sealbin?sslmode=require')).toBe('postgresql://app:***@db/sealbin?sslmode=require');
    expect(redactDatabaseUrl('postgres://db/sealbin?user=app&password=hunter2')).not.toContain('hunter2');
    expect(redactDatabaseUrl('postgres://app@db/sealbin')).toBe('postgres://app@db/sealbin');
  });

  it('says nothing of a value it cannot parse', () => {
    expect(redactDatabaseUrl('not a url with secret')).toBe('(unparseable database URL)');
  });
});

describe('redactPassword', () => {
  it('removes every occurrence of the decoded password from a message', () => {
    expect(redactPassword('auth failed for p@ss/word and p@ss/word', 'postgres://app:p%40ss%2Fword@db/x')).toBe('auth failed for *** and ***');
    expect(redactPassword('nothing to hide', 'postgres://app@db/x')).toBe('nothing to hide');
  });
});
