// The PKI audit log as the server writes it: every event to the instance's file (for the local
// operator and log shippers) and to the shared database (one trail for all instances).
import type { Clock } from '../core/clock.js';
import type { AuditEvent, AuditLog, AuditStore } from './ports.js';

export class AuditTrail implements AuditLog {
  constructor(
    private readonly file: AuditLog,
    private readonly store: AuditStore,
    private readonly clock: Clock,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    // Both are awaited: an action whose audit entry could not be written is reported as failed.
    await Promise.all([this.store.appendAudit({ ...event, time: this.clock.now() }), this.file.record(event)]);
  }
}
