// The KeyRotationStore port over Kysely: compare-and-set replacement of wrapped keys, so a
// rotation running beside a serving instance never overwrites a key a PUT has just written.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { KeyRotationStore } from '../ports.js';
import type { Database } from './schema.js';

export class SqlKeyRotationStore implements KeyRotationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listWrappedKeys(afterId: string, limit: number): Promise<{ id: string; wrappedKey: Buffer }[]> {
    const rows = await this.db.selectFrom('items').select(['id', 'wrapped_key']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, wrappedKey: Buffer.from(row.wrapped_key) }));
  }

  async replaceWrappedKey(id: string, old: Buffer, next: Buffer): Promise<boolean> {
    const result = await this.db.updateTable('items').set({ wrapped_key: next }).where('id', '=', id).where('wrapped_key', '=', old).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async replaceCaSealedKey(old: Buffer, next: Buffer): Promise<boolean> {
    const result = await this.db.updateTable('pki_ca').set({ sealed_key: next }).where('id', '=', 'ca').where('sealed_key', '=', old).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  // The literal condition of migration 010's partial index (crypto/digest-seal.ts SEALED_DIGEST_PREFIX),
  // so the lookup reads only unsealed rows.
  async listDigests(afterId: string, limit: number): Promise<{ id: string; digest: string }[]> {
    const rows = await this.db.selectFrom('items').select(['id', 'sha256']).where('id', '>', afterId).where(sql<boolean>`sha256 not like 'sd1:%'`).orderBy('id').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, digest: row.sha256 }));
  }

  async replaceDigest(id: string, old: string, next: string): Promise<boolean> {
    const result = await this.db.updateTable('items').set({ sha256: next }).where('id', '=', id).where('sha256', '=', old).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
