// Migrations on PostgreSQL: the shared migration list (../sql/migrations.ts), applied under an
// advisory lock. Kysely's own Migrator is not used here: before taking its lock it introspects the
// tables of every schema in the database, which fails or stalls while another schema is being
// created or dropped (other deployments, test schemas), and it takes one lock for the whole database.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { migrations } from '../sql/migrations.js';
import type { Database } from '../sql/schema.js';

/**
 * Applies the migrations not yet recorded in `kysely_migration` (the bookkeeping table Kysely's
 * migrator uses, same columns, so either runner sees the other's work), each in its own transaction.
 * Instances starting together on one schema queue on the lock; the first migrates, the rest find
 * nothing left to do.
 * @example await migratePostgres(db, 'public')
 */
export async function migratePostgres(db: Kysely<Database>, schema: string): Promise<void> {
  const lockKey = `sealbin-migrate:${schema}`;
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${lockKey}))`.execute(conn);
    try {
      await sql`create table if not exists kysely_migration (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(conn);
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(conn);
      const applied = new Set(rows.map((row) => row.name));
      const all = migrations('postgres');
      for (const name of Object.keys(all).sort()) {
        const migration = all[name];
        if (!migration || applied.has(name)) continue;
        await sql`begin`.execute(conn);
        try {
          await migration.up(conn as Kysely<unknown>);
          await sql`insert into kysely_migration (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(conn);
          await sql`commit`.execute(conn);
        } catch (error) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(conn);
    }
  });
}
