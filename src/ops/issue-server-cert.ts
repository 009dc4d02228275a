// `sealbin issue-server-cert --host NAME... --out DIR`: a TLS server certificate from the built-in CA
// (created first when there is none), so the server can run over https:// locally or on a LAN without
// an outside CA. Writes DIR/server.crt, DIR/server.key (0600) and DIR/ca.crt for clients to trust.
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { PkiService } from '../core/pki-service.js';
import { checkHostName } from '../crypto/x509/host-name.js';
import { prepareDataDir } from '../data-dir.js';
import { AuditFile } from '../storage/fs/audit-file.js';
import { AuditTrail } from '../storage/audit-trail.js';
import { openStorage } from '../storage/open-storage.js';
import { loadMasterKeys, openKeyring } from './master-keys.js';

export interface IssueServerCertOptions {
  hosts: string[];
  out: string;
  days: number;
  caName: string;
  force: boolean;
}

export const ISSUE_SERVER_CERT_USAGE = 'usage: sealbin issue-server-cert --host NAME [--host NAME ...] --out DIR [--days N] [--ca-name NAME] [--force]';

/** Parses the command's arguments; throws an Error with a one-line reason. */
export function parseIssueServerCertArgs(args: string[]): IssueServerCertOptions {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', multiple: true },
      out: { type: 'string' },
      days: { type: 'string', default: '397' },
      'ca-name': { type: 'string', default: 'Sealbin CA' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const hosts = values.host ?? [];
  if (hosts.length === 0 || !values.out) throw new Error(ISSUE_SERVER_CERT_USAGE);
  for (const host of hosts) checkHostName(host);
  const days = Number(values.days);
  // 397 days is the longest validity browsers accept for server certificates.
  if (!Number.isInteger(days) || days < 1 || days > 397) throw new Error('--days must be a whole number from 1 to 397');
  const caName = values['ca-name'].trim();
  if (caName === '' || caName.length > 64 || /[\p{Cc}\p{Cf}]/u.test(caName)) throw new Error('--ca-name must be 1 to 64 printable characters');
  return { hosts, out: resolve(values.out), days, caName, force: values.force };
}

/** Writes atomically with `mode`; an existing file is replaced only when `overwrite`. */
function writeFile(path: string, text: string, mode: number, overwrite: boolean): void {
  if (!overwrite && existsSync(path)) throw new Error(`${path} already exists (use --force to replace it)`);
  const temp = `${path}.${process.pid}.tmp`;
  // Key disclosure: the temp file is created with its final mode, never briefly world-readable.
  writeFileSync(temp, text, { mode, flag: 'wx' });
  chmodSync(temp, mode);
  renameSync(temp, path);
}

export interface IssueServerCertReport {
  caCreated: boolean;
  certPath: string;
  keyPath: string;
  caPath: string;
  fingerprint: string;
  notAfter: Date;
}

export async function issueServerCert(config: Config, logger: Logger, options: IssueServerCertOptions): Promise<IssueServerCertReport> {
  const certPath = join(options.out, 'server.crt');
  const keyPath = join(options.out, 'server.key');
  const caPath = join(options.out, 'ca.crt');
  // Checked before anything is created, so a refused run leaves the data dir as it was.
  if (!options.force) for (const path of [certPath, keyPath]) if (existsSync(path)) throw new Error(`${path} already exists (use --force to replace it)`);
  const dataDir = await prepareDataDir(config.dataDir);
  const keys = await loadMasterKeys(config, dataDir, logger);
  const { stores } = await openStorage(config, dataDir, logger);
  const auditFile = new AuditFile(config.auditLog ?? join(dataDir, 'audit.log'), systemClock);
  const audit = new AuditTrail(auditFile, stores.audit, systemClock);
  try {
    const keyring = await openKeyring(keys, stores.metadata, logger);
    const pki = new PkiService({ store: stores.pki, audit, wrapKey: keyring.wrapKey, previousWrapKeys: keyring.previousWrapKeys, clock: systemClock, admins: new Set(config.admins), trustedCas: [] });
    // Whoever runs this holds the data dir and master key: the same trust as the loopback bootstrap.
    const caCreated = !(await pki.caExists());
    if (caCreated) await pki.createCa(options.caName, 3650, 'local:issue-server-cert', 'issue-server-cert');
    const issued = await pki.issueServerCertificate(options.hosts, options.days, 'local:issue-server-cert', 'issue-server-cert');
    mkdirSync(options.out, { recursive: true, mode: 0o700 });
    writeFile(keyPath, issued.privateKeyPem, 0o600, options.force);
    writeFile(certPath, issued.certificatePem, 0o644, options.force);
    // The CA certificate is public (GET /pki/ca.crt): always the current one.
    writeFile(caPath, await pki.caPem(), 0o644, true);
    return { caCreated, certPath, keyPath, caPath, fingerprint: issued.fingerprint, notAfter: issued.notAfter };
  } finally {
    await auditFile.close();
    await stores.metadata.close();
  }
}
