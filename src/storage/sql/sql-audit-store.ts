// The AuditStore port over Kysely: PKI events appended to one table that every instance shares.
import type { Kysely } from 'kysely';
import type { AuditEvent, AuditRecord, AuditStore } from '../ports.js';
import type { Database } from './schema.js';

export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async appendAudit(record: AuditRecord): Promise<void> {
    await this.db
      .insertInto('pki_audit')
      .values({
        time: record.time,
        event: record.event,
        serial: record.serial ?? null,
        fingerprint: record.fingerprint ?? null,
        common_name: record.common_name ?? null,
        actor: record.actor,
        request_id: record.request_id,
        reason: record.reason ?? null,
      })
      .execute();
  }

  async listAudit(after: number, limit: number): Promise<(AuditRecord & { seq: number })[]> {
    const rows = await this.db.selectFrom('pki_audit').selectAll().where('seq', '>', after).orderBy('seq', 'asc').limit(limit).execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      time: Number(row.time),
      event: row.event as AuditEvent['event'],
      ...(row.serial !== null ? { serial: row.serial } : {}),
      ...(row.fingerprint !== null ? { fingerprint: row.fingerprint } : {}),
      ...(row.common_name !== null ? { common_name: row.common_name } : {}),
      actor: row.actor,
      request_id: row.request_id,
      ...(row.reason !== null ? { reason: row.reason } : {}),
    }));
  }
}
