// audit-log (black box): every PKI lifecycle event (CA created, issued, registered, revoked,
// rejected) is one JSON line with what (serial, fingerprint, common_name), who (actor), when (time)
// and the request_id of the request that caused it, in SEALBIN_AUDIT_LOG or the data dir's
// audit.log. Private keys and PKCS#12 bundles never appear in it.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErr, expectStatus, fingerprintOf, makeCsr, startIdentityServer } from './support.js';
import type { Client, IdentityServer, Issued, PkiStatus } from './support.js';

interface AuditLine {
  event: string;
  time: string;
  request_id: string;
  actor: string;
  serial?: string;
  fingerprint?: string;
  common_name?: string;
  [extra: string]: unknown;
}

let s: IdentityServer;
let plain: IdentityServer;
let auditDir: string;
let auditPath: string;
let anon: Client;
let admin: Client;
let adminFp: string;
const started = Date.now() - 1000;
let caFingerprint: string;
let generated: Issued;
let fromCsr: Issued;
let registered: Issued;

function readAudit(path = auditPath): AuditLine[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditLine);
}

function byRequest(requestId: string): AuditLine[] {
  return readAudit().filter((line) => line.request_id === requestId);
}

/** The one line caused by `requestId`, with the fields every line has. */
function lineFor(requestId: string, event: string): AuditLine {
  const lines = byRequest(requestId);
  expect(lines, JSON.stringify(readAudit())).toHaveLength(1);
  const line = lines[0] as AuditLine;
  expect(line.event).toBe(event);
  expect(typeof line.actor).toBe('string');
  expect(line.actor.length).toBeGreaterThan(0);
  const time = Date.parse(line.time);
  expect(Number.isNaN(time), line.time).toBe(false);
  expect(time).toBeGreaterThanOrEqual(started - 1000);
  expect(time).toBeLessThanOrEqual(Date.now() + 1000);
  return line;
}

/** A PEM body without its armour, in the chunks it could be written in (it must not appear in any form). */
function fragments(pem: string): string[] {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
  return [body.slice(0, 40), body.slice(-40)];
}

beforeAll(async () => {
  auditDir = mkdtempSync(join(tmpdir(), 'sealbin-audit-'));
  auditPath = join(auditDir, 'pki-audit.jsonl');
  [s, plain] = await Promise.all([
    startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0', SEALBIN_AUDIT_LOG: auditPath } }),
    startIdentityServer({ tls: false, env: { SEALBIN_REGISTER_DIFFICULTY: '0' } }),
  ]);
  anon = s.client();
  admin = s.as(s.externalAdmin);
  adminFp = fingerprintOf(s.externalAdmin.cert);
});
afterAll(async () => {
  await Promise.all([s?.dispose(), plain?.dispose()]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe('audit-log: SEALBIN_AUDIT_LOG', () => {
  it('ca_created: fingerprint, common name, actor, request_id, time', async () => {
    const reply = await anon.post('/pki/ca', { common_name: 'Audited CA', days: 30 }, { 'x-request-id': 'audit-ca-1' });
    expectStatus(reply, 201);
    expect(reply.header('x-request-id')).toBe('audit-ca-1');
    caFingerprint = reply.json<PkiStatus>().fingerprint as string;
    const line = lineFor('audit-ca-1', 'ca_created');
    expect(line).toMatchObject({ fingerprint: caFingerprint, common_name: 'Audited CA' });
    // The log is the configured file, not the data dir's default.
    expect(existsSync(join(s.server.dataDir, 'audit.log'))).toBe(false);
    // Only the service may read it.
    expect(statSync(auditPath).mode & 0o077).toBe(0);
  });

  it('issued (generated key): serial, fingerprint, common name, the admin as actor', async () => {
    const reply = await admin.post('/pki/issue', { common_name: 'audited-generated', days: 3 }, { 'x-request-id': 'audit-issue-1' });
    expectStatus(reply, 201);
    generated = reply.json<Issued>();
    expect(lineFor('audit-issue-1', 'issued')).toMatchObject({ serial: generated.serial, fingerprint: generated.fingerprint, common_name: 'audited-generated', actor: adminFp });
  });

  it('issued (CSR)', async () => {
    const csr = makeCsr(s.work, 'audited-csr', '/CN=audited-csr');
    const reply = await admin.post('/pki/issue', { common_name: 'audited-csr', csr: csr.csr, admin: true }, { 'x-request-id': 'audit-issue-2' });
    expectStatus(reply, 201);
    fromCsr = reply.json<Issued>();
    expect(lineFor('audit-issue-2', 'issued')).toMatchObject({ serial: fromCsr.serial, fingerprint: fromCsr.fingerprint, common_name: 'audited-csr', actor: adminFp });
  });

  it('registered: an anonymous actor (no fingerprint)', async () => {
    const reply = await anon.post('/register', { common_name: 'audited-registrant' }, { 'x-request-id': 'audit-register-1' });
    expectStatus(reply, 201);
    registered = reply.json<Issued>();
    const line = lineFor('audit-register-1', 'registered');
    expect(line).toMatchObject({ serial: registered.serial, fingerprint: registered.fingerprint, common_name: 'audited-registrant' });
    expect(line.actor).not.toMatch(/^[0-9a-f]{64}$/);
  });

  it('revoked: serial, fingerprint, common name, actor', async () => {
    const reply = await admin.post(`/pki/revoke/${registered.serial}`, {}, { 'x-request-id': 'audit-revoke-1' });
    expectStatus(reply, 200);
    expect(lineFor('audit-revoke-1', 'revoked')).toMatchObject({ serial: registered.serial, fingerprint: registered.fingerprint, common_name: 'audited-registrant', actor: adminFp });
  });

  it('rejected: a bad CSR on issue and on registration', async () => {
    expectErr(await admin.post('/pki/issue', { common_name: 'audited-bad', csr: 'not a csr' }, { 'x-request-id': 'audit-reject-1' }), 400, 'INVALID_CSR');
    expect(lineFor('audit-reject-1', 'rejected')).toMatchObject({ common_name: 'audited-bad', actor: adminFp });
    expectErr(await anon.post('/register', { common_name: 'audited-bad-2', csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' }, { 'x-request-id': 'audit-reject-2' }), 400, 'INVALID_CSR');
    expect(lineFor('audit-reject-2', 'rejected')).toMatchObject({ common_name: 'audited-bad-2' });
  });

  it('refused requests that change nothing record no lifecycle event', async () => {
    expectErr(await anon.post('/pki/ca', { common_name: 'Again' }, { 'x-request-id': 'audit-noop-1' }), 403, 'FORBIDDEN');
    expectErr(await anon.post('/pki/issue', { common_name: 'x' }, { 'x-request-id': 'audit-noop-2' }), 401, 'AUTH_REQUIRED');
    expectErr(await admin.post('/pki/revoke/00ff', {}, { 'x-request-id': 'audit-noop-3' }), 404, 'NOT_FOUND');
    const lifecycle = ['ca_created', 'issued', 'registered', 'revoked'];
    for (const id of ['audit-noop-1', 'audit-noop-2', 'audit-noop-3']) {
      expect(byRequest(id).filter((line) => lifecycle.includes(line.event))).toEqual([]);
    }
  });

  it('the whole log: JSON lines, events in order, never a private key or a PKCS#12', () => {
    const text = readFileSync(auditPath, 'utf8');
    const lines = readAudit();
    const lifecycle = lines.filter((line) => ['ca_created', 'issued', 'registered', 'revoked'].includes(line.event)).map((line) => line.event);
    expect(lifecycle).toEqual(['ca_created', 'issued', 'issued', 'registered', 'revoked']);
    for (const line of lines) {
      expect(typeof line.request_id).toBe('string');
      expect(typeof line.time).toBe('string');
    }
    expect(text).not.toMatch(/PRIVATE KEY/);
    for (const issued of [generated, registered]) {
      expect(issued.private_key).toEqual(expect.any(String));
      for (const fragment of fragments(issued.private_key as string)) expect(text).not.toContain(fragment);
      expect(text).not.toContain((issued.pkcs12 as string).slice(0, 40));
      expect(text).not.toContain(issued.pkcs12_password as string);
    }
  });
});

describe('audit-log: default location', () => {
  it('without SEALBIN_AUDIT_LOG, events go to audit.log in the data dir', async () => {
    const client = plain.client();
    expectStatus(await client.post('/pki/ca', { common_name: 'Default Audit CA' }, { 'x-request-id': 'audit-default-1' }), 201);
    const path = join(plain.server.dataDir, 'audit.log');
    const lines = readAudit(path);
    expect(lines.find((line) => line.request_id === 'audit-default-1')).toMatchObject({ event: 'ca_created', common_name: 'Default Audit CA' });
  });
});
