// fpaste with a client certificate, end to end over TLS terminated in the server: `fpaste register`
// (key pair and CSR made locally, registration PoW solved), then list, search, update and export
// as the owner; server pinning and custom CAs; the config file it writes.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { insecurePostJson, makeServerTls } from '../helpers/tls.js';
import type { ServerTls } from '../helpers/tls.js';

let server: RunningServer;
let tls: ServerTls;
let tlsDir: string;
let alice: FpasteUser;

beforeAll(async () => {
  tlsDir = mkdtempSync(join(tmpdir(), 'fpaste-tls-'));
  tls = await makeServerTls(tlsDir);
  server = await startServer({ env: { SEALBIN_TLS_CERT: tls.certPath, SEALBIN_TLS_KEY: tls.keyPath, SEALBIN_REGISTER_DIFFICULTY: '12', SEALBIN_POW_DIFFICULTY: '10', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
  expect(server.url).toMatch(/^https:/);
  // The operator bootstraps the CA from the server machine (loopback, no CA yet).
  const ca = await insecurePostJson(`${server.url}/pki/ca`, { common_name: 'Test CA' });
  expect(ca.status).toBe(201);
  alice = new FpasteUser();
});

afterAll(async () => {
  alice?.dispose();
  await server?.dispose();
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('server verification', () => {
  it('an untrusted self-signed server is refused with advice; a wrong pin is refused as interception', async () => {
    const untrusted = expectExit(await alice.run(['--server', server.url, 'info']), 1);
    expect(untrusted.stderr.trim()).toMatch(/^fpaste: TLS: the certificate of 127\.0\.0\.1:\d+ is not trusted .*--ca FILE or pin it with --fingerprint/);
    const wrongPin = `${tls.fingerprint.slice(0, 60)}0000`;
    const pinned = expectExit(await alice.run(['--server', server.url, '--fingerprint', wrongPin, 'info']), 1);
    expect(pinned.stderr).toContain('is not the pinned one');
    expect(pinned.stderr).toContain(tls.fingerprint);
    // Nothing reached the server over the refused connections.
    expect(server.output()).not.toMatch(/"url":"\/"/);
  });

  it('--ca FILE and --fingerprint (colons and case ignored) both work', async () => {
    expectExit(await alice.run(['--server', server.url, '--ca', tls.certPath, 'pki', 'status']), 0);
    const colons = tls.fingerprint.toUpperCase().match(/../g)?.join(':') as string;
    const status = expectExit(await alice.run(['--server', server.url, '--fingerprint', colons, 'pki', 'status']), 0);
    expect(status.out).toContain('Test CA');
  });
});

describe('register and owner commands', () => {
  let first: string;
  let image: string;

  it('register --configure: key made locally (0600), certificate issued, config written (0600)', async () => {
    const result = expectExit(await alice.run(['--server', server.url, '--fingerprint', tls.fingerprint, 'register', '--configure', '-n', 'alice, O=Evil Corp']), 0);
    expect(result.out).toContain('registered alice, O=Evil Corp');
    const keyPath = join(alice.configDir, 'client.key');
    const certPath = join(alice.configDir, 'client.crt');
    const configPath = join(alice.configDir, 'config');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    const config = readFileSync(configPath, 'utf8');
    expect(config).toContain(`server = ${server.url}`);
    expect(config).toContain(`cert = ${certPath}`);
    expect(config).toContain(`key = ${keyPath}`);
    expect(config).toContain(`fingerprint = ${tls.fingerprint}`);
    // The private key never travelled: it appears in no server output, and the audit log has no key.
    const key = readFileSync(keyPath, 'utf8');
    expect(key).toContain('BEGIN PRIVATE KEY');
    const keyBody = key.split('\n')[1] as string;
    expect(server.output()).not.toContain(keyBody);
    const audit = readFileSync(join(server.dataDir, 'audit.log'), 'utf8');
    expect(audit).toContain('"registered"');
    expect(audit).not.toContain(keyBody);
    // The comma in the name did not become a second RDN.
    const { x509 } = await import('../../src/crypto/x509/provider.js');
    const cert = new x509.X509Certificate(readFileSync(certPath, 'utf8'));
    expect(cert.subjectName.getField('CN')).toEqual(['alice, O=Evil Corp']);
    expect(cert.subjectName.getField('O')).toEqual([]);
    // Registering again would replace the identity: refused without --force.
    expect(expectExit(await alice.run(['register']), 1).stderr).toContain('--force');
  });

  it('the configured identity owns new pastes; info says so', async () => {
    const info = expectExit(await alice.run(['info']), 0);
    expect(info.out).toContain('client certificate');
    first = printedUrl(expectExit(await alice.run([], { input: 'first version' }), 0));
    // A real 1x1 PNG: the server detects types from the bytes, not from names.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    writeFileSync(join(alice.work, 'pic.png'), png);
    image = printedUrl(expectExit(await alice.run(['-E', 'pic.png']), 0));
    const meta = JSON.parse(expectExit(await alice.run(['info', first, '--json']), 0).out) as { owner: string };
    expect(meta.owner).toMatch(/^[0-9a-f]{64}$/);
  });

  it('list shows own items; search filters by type and time', async () => {
    const list = JSON.parse(expectExit(await alice.run(['list', '--json']), 0).out) as { id: string; mime_type: string }[];
    const ids = list.map((item) => item.id);
    expect(ids).toContain(first.split('/').pop()?.split('#')[0]);
    expect(ids).toContain(image.split('/').pop());
    const table = expectExit(await alice.run(['list']), 0).out;
    expect(table.split('\n')[0]).toMatch(/^ID\s+CREATED\s+SIZE\s+TYPE\s+EXPIRES\s+FLAGS\s+NAME/);
    expect(table).toContain('pic.png');
    const images = JSON.parse(expectExit(await alice.run(['search', '--type', 'image/*', '--json']), 0).out) as { mime_type: string }[];
    expect(images.length).toBe(1);
    expect(images[0]?.mime_type).toBe('image/png');
    const recent = JSON.parse(expectExit(await alice.run(['search', '--after', '1h', '--json']), 0).out) as unknown[];
    expect(recent.length).toBe(list.length);
    const future = JSON.parse(expectExit(await alice.run(['search', '--after', '2100-01-01', '--json']), 0).out) as unknown[];
    expect(future.length).toBe(0);
    const old = JSON.parse(expectExit(await alice.run(['search', '--before', String(Math.floor(Date.now() / 1000) - 3600), '--json']), 0).out) as unknown[];
    expect(old.length).toBe(0);
    expect(JSON.parse(expectExit(await alice.run(['list', '--limit', '1', '--json']), 0).out)).toHaveLength(1);
  });

  it('update: new content under the same key (old link still opens it), and metadata only', async () => {
    writeFileSync(join(alice.work, 'v2.txt'), 'second version');
    const updated = printedUrl(expectExit(await alice.run(['update', first, 'v2.txt']), 0));
    expect(updated).toBe(first);
    expect(expectExit(await alice.run(['get', first]), 0).out).toBe('second version');
    const before = Math.floor(Date.now() / 1000);
    const meta = JSON.parse(expectExit(await alice.run(['update', first, '--expiry', '2h', '--json']), 0).out) as { expires_at: number };
    expect(meta.expires_at - before).toBeGreaterThanOrEqual(7200);
    // Bounded by the time after the run, rounded up as the server counts expiry from the next second.
    expect(meta.expires_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 7200);
    expect(expectExit(await alice.run(['update', first]), 2).stderr).toContain('nothing to update');
  });

  it('update of someone else\'s paste is refused (403 as one line), and nothing changes', async () => {
    const bob = new FpasteUser(server.url);
    try {
      const theirs = printedUrl(expectExit(await bob.run(['--fingerprint', tls.fingerprint], { input: 'bob was here' }), 0));
      const refused = expectExit(await alice.run(['update', theirs, '--expiry', '1h']), 1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/forbidden|certificate/i);
      expect(expectExit(await bob.run(['--fingerprint', tls.fingerprint, 'get', theirs]), 0).out).toBe('bob was here');
      // Without a certificate, list explains how to get one.
      const anonymous = expectExit(await bob.run(['--fingerprint', tls.fingerprint, 'list']), 1);
      expect(anonymous.stderr).toContain('fpaste register --configure');
    } finally {
      bob.dispose();
    }
  });

  it('export: every own item, decrypted where the key is known, with index.json', async () => {
    const burn = printedUrl(expectExit(await alice.run(['--burn'], { input: 'burn me' }), 0));
    const result = expectExit(await alice.run(['export', '-o', 'backup']), 0);
    expect(result.stderr).toMatch(/exported \d+ of \d+ items/);
    const dir = join(alice.work, 'backup');
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { server: string; items: { id: string; file: string | null; decrypted: boolean; encrypted: boolean; skipped?: string; filename: string | null; sha256: string }[] };
    expect(index.server).toBe(server.url);
    const byId = new Map(index.items.map((item) => [item.id, item]));
    const firstEntry = byId.get(first.split('/').pop()?.split('#')[0] as string);
    expect(firstEntry?.decrypted).toBe(true);
    expect(firstEntry?.filename).toBe('v2.txt');
    expect(readFileSync(join(dir, firstEntry?.file as string), 'utf8')).toBe('second version');
    const imageEntry = byId.get(image.split('/').pop() as string);
    expect(imageEntry?.encrypted).toBe(false);
    expect(sha256(readFileSync(join(dir, imageEntry?.file as string)))).toBe(imageEntry?.sha256);
    // Downloading a burn-after-read item would destroy it: skipped, and still readable afterwards.
    const burnEntry = byId.get(burn.split('/').pop()?.split('#')[0] as string);
    expect(burnEntry?.skipped).toContain('burn after read');
    expect(burnEntry?.file).toBeNull();
    // The server keeps a burn item's digest back until its read (issue 11, hash oracle).
    expect(burnEntry?.sha256).toBeNull();
    expect(expectExit(await alice.run(['get', burn]), 0).out).toBe('burn me');
    // Exported anyway (--include-burn): the digest comes with the read, and the export holds it.
    const burnAgain = printedUrl(expectExit(await alice.run(['--burn'], { input: 'burn me too' }), 0)).split('/').pop()?.split('#')[0] as string;
    expectExit(await alice.run(['export', '-o', 'backup-burn', '--include-burn']), 0);
    const burnIndex = JSON.parse(readFileSync(join(alice.work, 'backup-burn', 'index.json'), 'utf8')) as { items: { id: string; sha256: string | null; file: string | null }[] };
    expect(burnIndex.items.find((item) => item.id === burnAgain)?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  it('delete as the owner needs no token', async () => {
    const mine = printedUrl(expectExit(await alice.run(['--no-save'], { input: 'owned' }), 0));
    expectExit(await alice.run(['delete', mine]), 0);
    expect(expectExit(await alice.run(['get', mine]), 1).stderr).toContain('not found');
  });

  it('config: flags override FPASTE_* variables, which override the file; a world-writable file is refused', async () => {
    const shown = expectExit(await alice.run(['config']), 0).out;
    expect(shown).toMatch(/server:\s+https:\/\/127\.0\.0\.1:\d+\s+\[config\]/);
    const fromEnv = expectExit(await alice.run(['config'], { env: { FPASTE_SERVER: 'https://env.example' } }), 0).out;
    expect(fromEnv).toMatch(/server:\s+https:\/\/env\.example\s+\[env\]/);
    const fromFlag = expectExit(await alice.run(['--server', 'https://flag.example', 'config'], { env: { FPASTE_SERVER: 'https://env.example' } }), 0).out;
    expect(fromFlag).toMatch(/server:\s+https:\/\/flag\.example\s+\[flag\]/);
    const configPath = join(alice.configDir, 'config');
    chmodSync(configPath, 0o666);
    try {
      expect(expectExit(await alice.run(['info']), 1).stderr).toContain('writable by other users');
    } finally {
      chmodSync(configPath, 0o600);
    }
    expect(existsSync(configPath)).toBe(true);
  });
});
