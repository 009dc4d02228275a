// docs/identity.md's "TLS on your own machine", step by step against the real server: the server
// issues its own TLS certificate from its built-in CA (`sealbin issue-server-cert`), starts over
// https://, fpaste trusts the CA with --ca, registers and lists. Then what owners and admins do
// next: update keeps a plain paste plain, and `fpaste pki revoke` shuts a certificate out.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { makeDataDir, MAIN, startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

/** Environment for the server command: nothing inherited that starts with SEALBIN_. */
function serverEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('SEALBIN_')) env[name] = value;
  return { ...env, ...extra };
}

/** Runs `node dist/main.js ARGS` (a server subcommand) to completion. */
function sealbin(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: serverEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const TLS_ENV = { SEALBIN_REGISTER_DIFFICULTY: '8' };

let dataDir: string;
let tlsDir: string;
let server: RunningServer;
let alice: FpasteUser;
let admin: FpasteUser;

beforeAll(() => {
  dataDir = makeDataDir();
  tlsDir = join(mkdtempSync(join(tmpdir(), 'sealbin-tls-')), 'tls');
  alice = new FpasteUser();
  admin = new FpasteUser();
});

afterAll(async () => {
  alice?.dispose();
  admin?.dispose();
  await server?.dispose();
  if (tlsDir) rmSync(join(tlsDir, '..'), { recursive: true, force: true });
});

/** The server's https URL with the host name the certificate was issued for. */
const localhostUrl = () => server.url.replace('127.0.0.1', 'localhost');

describe('TLS on your own machine (docs/identity.md)', () => {
  it('sealbin issue-server-cert creates the CA and a server certificate; the key is private', async () => {
    const result = await sealbin(['issue-server-cert', '--host', 'localhost', '--host', '127.0.0.1', '--out', tlsDir], { SEALBIN_DATA_DIR: dataDir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('created the CA "Sealbin CA"');
    expect(result.stdout).toContain(`SEALBIN_TLS_CERT=${join(tlsDir, 'server.crt')} SEALBIN_TLS_KEY=${join(tlsDir, 'server.key')}`);
    expect(statSync(join(tlsDir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(tlsDir).mode & 0o777).toBe(0o700);
    const { x509 } = await import('../../src/crypto/x509/provider.js');
    const cert = new x509.X509Certificate(readFileSync(join(tlsDir, 'server.crt'), 'utf8'));
    const ca = new x509.X509Certificate(readFileSync(join(tlsDir, 'ca.crt'), 'utf8'));
    expect(cert.issuer).toBe(ca.subject);
    expect(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
    const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
    expect(names).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    // Never overwritten by accident; bad host names are refused in one line.
    const again = await sealbin(['issue-server-cert', '--host', 'localhost', '--out', tlsDir], { SEALBIN_DATA_DIR: dataDir });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(/^sealbin: .*server\.crt already exists \(use --force to replace it\)$/);
    const bad = await sealbin(['issue-server-cert', '--host', 'https://localhost:8443', '--out', join(tlsDir, 'x')], { SEALBIN_DATA_DIR: dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a host name or IP address');
    expect(existsSync(join(tlsDir, 'x'))).toBe(false);
  }, 90_000);

  it('the server starts over https:// with it; fpaste trusts it with --ca, registers and lists', async () => {
    server = await startServer({ dataDir, env: { ...TLS_ENV, SEALBIN_TLS_CERT: join(tlsDir, 'server.crt'), SEALBIN_TLS_KEY: join(tlsDir, 'server.key') } });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // Without the CA, fpaste refuses the server (and says how to fix it).
    expect(expectExit(await alice.run(['--server', localhostUrl(), 'info']), 1).stderr).toContain('--ca with the ca.crt written next to it');
    const ca = join(tlsDir, 'ca.crt');
    const registered = expectExit(await alice.run(['--server', localhostUrl(), '--ca', ca, 'register', '--configure', '-n', 'alice']), 0);
    expect(registered.stderr).not.toContain('warning');
    expect(readFileSync(join(alice.configDir, 'config'), 'utf8')).toContain(`ca = ${ca}`);
    // From here on the config file alone is enough.
    expect(expectExit(await alice.run(['list']), 0).stderr).toContain('no items');
    const url = printedUrl(expectExit(await alice.run([], { input: 'over TLS' }), 0));
    const listed = JSON.parse(expectExit(await alice.run(['list', '--json']), 0).out) as { id: string; owner: string }[];
    expect(listed.map((item) => item.id)).toEqual([url.split('/').pop()?.split('#')[0]]);
    expect(expectExit(await alice.run(['get', url]), 0).out).toBe('over TLS');
  }, 90_000);

  it('the server certificate is no client identity', async () => {
    const thief = new FpasteUser();
    try {
      const refused = expectExit(await thief.run(['--server', localhostUrl(), '--ca', join(tlsDir, 'ca.crt'), '--cert', join(tlsDir, 'server.crt'), '--key', join(tlsDir, 'server.key'), 'list']), 1);
      expect(refused.stderr).toContain('does not trust your client certificate');
    } finally {
      thief.dispose();
    }
  });
});

describe('update keeps a plain paste plain', () => {
  it('a plain paste created here stays plain after new content', async () => {
    const url = printedUrl(expectExit(await alice.run(['-E', '--name', 'notes.txt'], { input: 'plain v1' }), 0));
    expect(url).not.toContain('#');
    writeFileSync(join(alice.work, 'v2.txt'), 'plain v2');
    const updated = printedUrl(expectExit(await alice.run(['update', url, 'v2.txt']), 0));
    expect(updated).toBe(url);
    const meta = JSON.parse(expectExit(await alice.run(['info', url, '--json']), 0).out) as { mime_type: string; size: number };
    expect(meta.mime_type).toMatch(/^text\/plain/);
    expect(meta.size).toBe(8);
    // Readable by anyone with the plain URL, no key needed.
    expect(expectExit(await alice.run(['get', url]), 0).out).toBe('plain v2');
  });

  it('a plain paste not remembered here is recognised from its metadata and stays plain', async () => {
    const url = printedUrl(expectExit(await alice.run(['-E', '--no-save'], { input: 'not remembered' }), 0));
    writeFileSync(join(alice.work, 'v3.txt'), 'still plain');
    expect(printedUrl(expectExit(await alice.run(['update', url, 'v3.txt']), 0))).toBe(url);
    expect(expectExit(await alice.run(['get', url]), 0).out).toBe('still plain');
  });

  it('when fpaste cannot tell, it refuses and says how to choose; --encrypt and -E choose', async () => {
    const url = printedUrl(expectExit(await alice.run(['--no-save'], { input: 'secret v1' }), 0));
    const bare = url.split('#')[0] as string;
    writeFileSync(join(alice.work, 'v4.txt'), 'secret v2');
    const refused = expectExit(await alice.run(['update', bare, 'v4.txt']), 2);
    expect(refused.stderr).toContain('cannot tell whether');
    expect(refused.stderr).toContain('#KEY');
    expect(refused.stderr).toContain('--encrypt');
    // Nothing changed.
    expect(expectExit(await alice.run(['get', url]), 0).out).toBe('secret v1');
    // With the key in the URL the same key is kept.
    expect(printedUrl(expectExit(await alice.run(['update', url, 'v4.txt']), 0))).toBe(url);
    expect(expectExit(await alice.run(['get', url]), 0).out).toBe('secret v2');
    // -E publishes new plain content on purpose; --encrypt turns it back, under a new key.
    writeFileSync(join(alice.work, 'v5.txt'), 'now public');
    expect(printedUrl(expectExit(await alice.run(['update', bare, 'v5.txt', '-E']), 0))).toBe(bare);
    expect((JSON.parse(expectExit(await alice.run(['info', bare, '--json']), 0).out) as { mime_type: string }).mime_type).toMatch(/^text\/plain/);
    const reEncrypted = expectExit(await alice.run(['update', bare, 'v4.txt', '--encrypt']), 0);
    expect(reEncrypted.stderr).toContain('this item was plain: the new content is encrypted under a new key');
    const newUrl = printedUrl(reEncrypted);
    expect(newUrl.startsWith(`${bare}#`)).toBe(true);
    expect(newUrl).not.toBe(url);
    expect(expectExit(await alice.run(['get', newUrl]), 0).out).toBe('secret v2');
  }, 90_000);
});

describe('revocation: fpaste pki revoke', () => {
  let aliceSerial: string;

  it('an admin (SEALBIN_ADMINS) revokes a certificate; a non-admin may not', async () => {
    const registered = JSON.parse(expectExit(await admin.run(['--server', localhostUrl(), '--ca', join(tlsDir, 'ca.crt'), 'register', '--configure', '-n', 'operator', '--json']), 0).out) as { fingerprint: string };
    // The operator makes their own certificate admin and restarts the server.
    await server.stop();
    server = await startServer({ dataDir, env: { ...TLS_ENV, SEALBIN_TLS_CERT: join(tlsDir, 'server.crt'), SEALBIN_TLS_KEY: join(tlsDir, 'server.key'), SEALBIN_ADMINS: registered.fingerprint } });
    const at = ['--server', localhostUrl()];
    const certs = JSON.parse(expectExit(await admin.run([...at, 'pki', 'list', '--json']), 0).out) as { serial: string; common_name: string; status: string }[];
    const entry = certs.find((cert) => cert.common_name === 'alice');
    expect(entry?.status).toBe('valid');
    aliceSerial = entry?.serial as string;
    expect(expectExit(await admin.run([...at, 'pki', 'list']), 0).out).toMatch(/^SERIAL\s+STATUS\s+ROLE\s+EXPIRES\s+NAME/);
    // Alice is no admin: refused, and nothing revoked.
    expect(expectExit(await alice.run([...at, 'pki', 'revoke', aliceSerial]), 1).stderr).toContain('forbidden');
    expect(expectExit(await alice.run([...at, 'list']), 0).code).toBe(0);
    // Serials may be given with colons and in capitals, as openssl prints them.
    const colons = aliceSerial.toUpperCase().match(/../g)?.join(':') as string;
    const revoked = expectExit(await admin.run([...at, 'pki', 'revoke', colons]), 0);
    expect(revoked.out).toContain(`revoked ${aliceSerial} (alice,`);
  }, 90_000);

  it('the revoked certificate is refused on its next request; others keep working', async () => {
    const at = ['--server', localhostUrl()];
    const refused = expectExit(await alice.run([...at, 'list']), 1);
    expect(refused.stderr.trim()).toBe('fpaste: your client certificate has been revoked');
    // Not silently anonymous either: creating with the revoked certificate fails too.
    expect(expectExit(await alice.run(at, { input: 'after revocation' }), 1).stderr).toContain('revoked');
    const certs = JSON.parse(expectExit(await admin.run([...at, 'pki', 'list', '--json']), 0).out) as { serial: string; status: string }[];
    expect(certs.find((cert) => cert.serial === aliceSerial)?.status).toBe('revoked');
    expect(expectExit(await admin.run([...at, 'pki', 'status']), 0).out).toMatch(/revoked:\s+1/);
  });

  it('bad serials are usage errors; unknown ones are not found', async () => {
    const at = ['--server', localhostUrl()];
    expect(expectExit(await admin.run([...at, 'pki', 'revoke', 'not-a-serial']), 2).stderr).toContain('is not a certificate serial');
    expect(expectExit(await admin.run([...at, 'pki', 'revoke', 'ab'.repeat(16)]), 1).stderr).toContain('not found');
  });
});
