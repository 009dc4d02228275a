// fpaste pki status | issue | download, and fpaste register: identities by client certificate.
// Keys are always generated here and only a CSR goes to the server.
import { existsSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { CertificateJson, IssuedJson, PkiStatusJson } from '../api-types.js';
import { writeConfig } from '../config.js';
import type { Context } from '../context.js';
import { ApiError, CliError, UsageError } from '../errors.js';
import { readAll } from '../http-client.js';
import { safeFilename, writePrivateFile } from '../output.js';
import { configDir, ensurePrivateDir } from '../paths.js';
import { withProofOfWork } from '../proof-of-work.js';
import { formatTime } from './manage.js';

export async function pkiStatusCommand(ctx: Context, options: { json?: boolean }): Promise<void> {
  const status = await ctx.client().json<PkiStatusJson>('GET', '/pki/status');
  if (options.json) return void process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  const lines = [
    ['CA', status.ca_exists ? `${status.common_name ?? ''} (expires ${formatTime(status.expires_at)})` : 'none yet'],
    ['CA fingerprint', status.fingerprint ?? '-'],
    ['issued', String(status.issued)],
    ['revoked', String(status.revoked)],
  ];
  for (const [label, value] of lines) process.stdout.write(`${`${label}:`.padEnd(16)}${value}\n`);
}

export async function pkiDownloadCommand(ctx: Context, options: { output?: string; crl?: boolean }): Promise<void> {
  const response = await ctx.client().ok('GET', options.crl ? '/pki/crl' : '/pki/ca.crt');
  const pem = await readAll(response.body, 1024 * 1024);
  if (options.output === undefined || options.output === '-') return void process.stdout.write(pem);
  writeFileSync(options.output, pem, { mode: 0o644 });
  console.error(`saved ${options.output}`);
}

function writeIdentity(dir: string, base: string, issued: IssuedJson, privateKeyPem: string, overwrite: boolean): { cert: string; key: string } {
  const key = join(dir, `${base}.key`);
  const cert = join(dir, `${base}.crt`);
  if (!overwrite && (existsSync(key) || existsSync(cert))) throw new CliError(`${cert} or ${key} already exists (use --force to replace them)`);
  writePrivateFile(key, privateKeyPem, overwrite);
  writeFileSync(cert, issued.certificate, { mode: 0o644 });
  return { cert, key };
}

export async function pkiIssueCommand(ctx: Context, options: { name: string; admin?: boolean; days?: string; outDir?: string; force?: boolean; json?: boolean }): Promise<void> {
  const days = options.days === undefined ? undefined : Number(options.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new UsageError('--days must be a whole number ≥ 1');
  ctx.requireIdentity('issuing certificates (admins only)');
  const { generateKeyAndCsr } = await import('../csr.js');
  const { privateKeyPem, csrPem } = await generateKeyAndCsr(options.name);
  const issued = await ctx.client().json<IssuedJson>('POST', '/pki/issue', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ common_name: options.name, admin: options.admin === true, csr: csrPem, ...(days ? { days } : {}) }),
  });
  const dir = resolve(options.outDir ?? '.');
  ensurePrivateDir(dir);
  const files = writeIdentity(dir, safeFilename(options.name, 'client'), issued, privateKeyPem, options.force === true);
  if (options.json) return void process.stdout.write(`${JSON.stringify({ serial: issued.serial, fingerprint: issued.fingerprint, ...files }, null, 2)}\n`);
  process.stdout.write(`issued ${options.name}${options.admin ? ' (admin)' : ''}: serial ${issued.serial}, fingerprint ${issued.fingerprint}\ncertificate: ${files.cert}\nprivate key: ${files.key} (give it to its holder privately; the server never had it)\n`);
}

export function defaultCommonName(): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep the placeholder.
  }
  return `${user}@${hostname()}`.slice(0, 64);
}

export async function registerCommand(ctx: Context, options: { name?: string; configure?: boolean; force?: boolean; json?: boolean }): Promise<void> {
  const server = ctx.server;
  const commonName = options.name ?? defaultCommonName();
  const dir = ensurePrivateDir(configDir());
  const keyPath = join(dir, 'client.key');
  const certPath = join(dir, 'client.crt');
  if (!options.force && (existsSync(keyPath) || existsSync(certPath))) throw new CliError(`an identity already exists in ${dir} (client.crt, client.key); use --force to replace it`);
  const { generateKeyAndCsr, certificateSummary } = await import('../csr.js');
  const { privateKeyPem, csrPem } = await generateKeyAndCsr(commonName);
  const client = ctx.client();
  // Registration is priced in proof of work (its own, usually higher, difficulty).
  const issued = await withProofOfWork(client, 'register', (pow) =>
    client.json<IssuedJson>('POST', '/register', { headers: { 'content-type': 'application/json', ...pow }, body: JSON.stringify({ common_name: commonName, csr: csrPem }) }),
  );
  writeIdentity(dir, 'client', issued, privateKeyPem, options.force === true);
  const summary = certificateSummary(issued.certificate);
  if (summary.fingerprint !== issued.fingerprint) throw new CliError('the server answered with a certificate that does not match its fingerprint');
  if (options.configure) {
    const { values } = ctx.settings;
    writeConfig(ctx.settings.configPath, { server, cert: certPath, key: keyPath, ...(values.ca ? { ca: values.ca } : {}), ...(values.fingerprint ? { fingerprint: values.fingerprint } : {}) });
  }
  // A certificate is presented inside TLS: over http:// it would be issued but never usable.
  if (ctx.isPlainHttp()) console.error(`fpaste: warning: ${server} is plain HTTP: the certificate is issued, but it can only be presented over TLS, so list, search, update and export will not work with this URL; use the server's https:// URL (to run the server with TLS, see docs/identity.md)`);
  if (options.json) return void process.stdout.write(`${JSON.stringify({ serial: issued.serial, fingerprint: issued.fingerprint, common_name: commonName, cert: certPath, key: keyPath, configured: options.configure === true }, null, 2)}\n`);
  process.stdout.write(`registered ${commonName}: identity ${issued.fingerprint}\ncertificate: ${certPath} (valid until ${summary.notAfter.toISOString().slice(0, 10)})\nprivate key: ${keyPath} (never left this machine)\n`);
  if (options.configure) process.stdout.write(`configured ${ctx.settings.configPath} to use it for ${server}\n`);
  else process.stdout.write(`use it with --cert ${certPath} --key ${keyPath}, or run again with --configure\n`);
}

/** "01:AB:cd" or "01abcd" → "01abcd"; a serial is at most 20 bytes of hex (RFC 5280). */
export function normalizeSerial(text: string): string {
  const hex = text.replace(/:/g, '').trim().toLowerCase();
  if (!/^[0-9a-f]{1,40}$/.test(hex)) throw new UsageError(`"${text}" is not a certificate serial (hex digits, as fpaste pki list or register --json show it)`);
  return hex;
}

/** Admins: every issued certificate with its serial and status (GET /pki/certs). */
export async function pkiListCommand(ctx: Context, options: { json?: boolean }): Promise<void> {
  ctx.requireIdentity('listing certificates (admins only)');
  const { certificates } = await ctx.client().json<{ certificates: CertificateJson[] }>('GET', '/pki/certs');
  if (options.json) return void process.stdout.write(`${JSON.stringify(certificates, null, 2)}\n`);
  if (certificates.length === 0) return void console.error('no certificates issued yet');
  const rows = certificates.map((cert) => [cert.serial, cert.status, cert.admin ? 'admin' : '-', formatTime(cert.expires_at), cert.common_name]);
  const header = ['SERIAL', 'STATUS', 'ROLE', 'EXPIRES', 'NAME'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] as number))).join('  ')}\n`);
}

/** Admins: revoke a certificate (POST /pki/revoke/SERIAL); the server refuses it from its next request. */
export async function pkiRevokeCommand(ctx: Context, serialText: string, options: { json?: boolean }): Promise<void> {
  const serial = normalizeSerial(serialText);
  ctx.requireIdentity('revoking certificates (admins only)');
  let revoked: CertificateJson;
  try {
    revoked = await ctx.client().json<CertificateJson>('POST', `/pki/revoke/${serial}`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'NOT_FOUND') throw new CliError(`not found: no certificate with serial ${serial} was issued by this server (see fpaste pki list)`);
    throw error;
  }
  if (options.json) return void process.stdout.write(`${JSON.stringify(revoked, null, 2)}\n`);
  process.stdout.write(`revoked ${revoked.serial} (${revoked.common_name}, identity ${revoked.fingerprint}) at ${formatTime(revoked.revoked_at)}: the server refuses it from its next request on\n`);
}
