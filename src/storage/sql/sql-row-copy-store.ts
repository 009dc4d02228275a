// The RowCopyStore port over Kysely: whole rows in key order (keyset pages, so a large table never
// sits in memory), and one transaction for everything written into the target.
import type { Kysely, Transaction } from 'kysely';
import type { CopiedTable, RowCopyStore, StoredRow } from '../ports.js';
import { COPIED_TABLES } from '../ports.js';
import { SEALING_SETTING } from './migrations.js';
import type { Database } from './schema.js';

/** Each table's key column. The audit position is not copied: the target numbers events anew, in the same order. */
const KEYS: Record<CopiedTable, string> = { settings: 'name', pki_ca: 'id', pki_certs: 'serial', items: 'id', short_links: 'id', pki_audit: 'seq' };

/** Settings the migrations themselves write into a new database: their presence does not make it "used". */
const MIGRATION_SETTINGS = [SEALING_SETTING];

// The table and column names below come from the constants above, never from input.
type AnyDb = Kysely<Record<string, StoredRow>>;

export class SqlRowCopyStore implements RowCopyStore {
  constructor(private readonly db: Kysely<Database>) {}

  private get any(): AnyDb {
    return this.db as unknown as AnyDb;
  }

  async readRows(table: CopiedTable, after: string | number | null, limit: number): Promise<{ key: string | number; row: StoredRow }[]> {
    const key = KEYS[table];
    let query = this.any.selectFrom(table).selectAll().orderBy(key).limit(limit);
    if (after !== null) query = query.where(key, '>', after);
    const rows = await query.execute();
    return rows.map((row) => {
      const value = row[key];
      // PostgreSQL returns bigint columns as strings; the key of a numeric column stays a number.
      return { key: table === 'pki_audit' ? Number(value) : String(value), row };
    });
  }

  async countRows(): Promise<Record<CopiedTable, number>> {
    const counts = {} as Record<CopiedTable, number>;
    for (const table of COPIED_TABLES) {
      let query = this.any.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
      if (table === 'settings') query = query.where('name', 'not in', MIGRATION_SETTINGS);
      const row = await query.executeTakeFirst();
      counts[table] = Number(row?.['n'] ?? 0);
    }
    return counts;
  }

  async writeAll(work: (write: (table: CopiedTable, rows: StoredRow[]) => Promise<void>) => Promise<void>): Promise<void> {
    await this.any.transaction().execute(async (trx) => {
      await work((table, rows) => insertRows(trx, table, rows));
    });
  }
}

async function insertRows(trx: Transaction<Record<string, StoredRow>>, table: CopiedTable, rows: StoredRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = table === 'pki_audit' ? rows.map(({ seq: _seq, ...rest }) => rest) : rows;
  if (table === 'settings') {
    await trx
      .insertInto(table)
      .values(values)
      .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
    return;
  }
  await trx.insertInto(table).values(values).execute();
}
