// The FieldSealingStore port over Kysely: compare-and-set replacement of one metadata column, so the
// sealing pass never overwrites a value written meanwhile.
import type { Kysely } from 'kysely';
import type { FieldSealingStore, SealedPlace } from '../ports.js';
import type { Database } from './schema.js';

export class SqlFieldSealingStore implements FieldSealingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listFields(place: SealedPlace, afterId: string, limit: number): Promise<{ id: string; value: string }[]> {
    if (place === 'items.filename') {
      const rows = await this.db.selectFrom('items').select(['id', 'filename']).where('filename', 'is not', null).where('id', '>', afterId).orderBy('id').limit(limit).execute();
      return rows.map((row) => ({ id: row.id, value: row.filename as string }));
    }
    const rows = await this.db.selectFrom('short_links').select(['id', 'target']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, value: row.target }));
  }

  async replaceField(place: SealedPlace, id: string, old: string, next: string): Promise<boolean> {
    const result =
      place === 'items.filename'
        ? await this.db.updateTable('items').set({ filename: next }).where('id', '=', id).where('filename', '=', old).executeTakeFirst()
        : await this.db.updateTable('short_links').set({ target: next }).where('id', '=', id).where('target', '=', old).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
