// One suite, every AuditStore adapter: PKI events appended in order, read back field for field, paged.
import { beforeEach, expect, it } from 'vitest';
import type { AuditRecord, AuditStore } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';

const revoked: AuditRecord = { event: 'revoked', serial: '0a1b', fingerprint: 'ab'.repeat(32), common_name: 'alice', actor: 'cd'.repeat(32), request_id: 'req-1', time: 1_700_000_000 };
const rejected: AuditRecord = { event: 'rejected', common_name: 'mallory', actor: 'anonymous', request_id: 'req-2', reason: 'bad CSR signature', time: 1_700_000_005 };

conformance('AuditStore', metadataAdapters, (current) => {
  let store: AuditStore;
  beforeEach(() => {
    store = current().audit;
  });

  it('listAudit: empty at first', async () => {
    expect(await store.listAudit(0, 10)).toEqual([]);
  });

  it('appendAudit then listAudit: every field back unchanged, absent optional fields stay absent', async () => {
    await store.appendAudit(revoked);
    await store.appendAudit(rejected);
    const listed = await store.listAudit(0, 10);
    expect(listed.map(({ seq: _seq, ...rest }) => rest)).toEqual([revoked, rejected]);
    expect(listed[1]).not.toHaveProperty('serial');
    expect(listed[0]).not.toHaveProperty('reason');
  });

  it('listAudit: append order, increasing positions, paged by `after` and `limit` without gaps or repeats', async () => {
    for (let n = 0; n < 7; n += 1) await store.appendAudit({ ...revoked, request_id: `req-${n}` });
    const first = await store.listAudit(0, 3);
    expect(first.map((r) => r.request_id)).toEqual(['req-0', 'req-1', 'req-2']);
    const rest = await store.listAudit(first[2]?.seq ?? -1, 10);
    expect(rest.map((r) => r.request_id)).toEqual(['req-3', 'req-4', 'req-5', 'req-6']);
    const seqs = [...first, ...rest].map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(7);
  });

  it('appendAudit: concurrent appends are all kept', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, n) => store.appendAudit({ ...rejected, request_id: `c-${n}` })));
    const listed = await store.listAudit(0, 100);
    expect(listed.map((r) => r.request_id).sort()).toEqual(Array.from({ length: 20 }, (_, n) => `c-${n}`).sort());
  });
});
