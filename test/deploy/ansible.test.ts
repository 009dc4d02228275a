// deploy/ansible with Debian's Ansible, offline: syntax check, ansible-lint, a check-mode run against
// this machine (connection=local) that must write nothing, and real runs into a throwaway root
// (sealbin_root) to see what the role installs and that a second run changes nothing. Slow on a
// loaded machine (each run starts a Python per task): six runs in all. Services,
// the user account and packages are left alone there (sealbin_manage_*=false): this machine's
// systemd is not PID 1, and tests never install into its real /etc.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SITE, writeNginxConf } from './nginx-site.js';
import { has } from './tools.js';

const DIR = new URL('../../deploy/ansible', import.meta.url).pathname;
const UNIT = new URL('../../deploy/sealbin.service', import.meta.url).pathname;
const LONG = 900_000;

const reason = has('ansible-playbook') ? '' : ' (skipped: ansible-playbook is not installed; Debian package ansible)';
const lintReason = reason || (has('ansible-lint') ? '' : ' (skipped: ansible-lint is not installed; Debian package ansible-lint)');

let work: string;

interface PlayResult {
  code: number | null;
  output: string;
  ok: number;
  changed: number;
  failed: number;
}

/** ansible-playbook site.yml against localhost over the local connection, with extra variables. */
function play(vars: Record<string, unknown>, flags: string[] = []): Promise<PlayResult> {
  const inventory = join(work, 'inventory.ini');
  const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ANSIBLE_RETRY_FILES_ENABLED: '0', ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'), ANSIBLE_REMOTE_TEMP: join(work, 'ansible-tmp') };
  const args = ['-i', inventory, 'site.yml', '-e', JSON.stringify(vars), ...flags];
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', args, { cwd: DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const recap = /localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/.exec(output);
      resolve({ code, output, ok: Number(recap?.[1] ?? -1), changed: Number(recap?.[2] ?? -1), failed: Number(recap?.[3] ?? -1) });
    });
  });
}

/** The tasks a run reported as changed (or would change, in check mode). */
function changedTasks(output: string): string[] {
  const tasks: string[] = [];
  let current = '';
  for (const line of output.split('\n')) {
    const task = /^TASK \[(.+?)\]/.exec(line) ?? /^RUNNING HANDLER \[(.+?)\]/.exec(line);
    if (task) current = task[1] as string;
    else if (/^changed: /.test(line) && tasks.at(-1) !== current) tasks.push(current);
  }
  return tasks;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sealbin-ansible-'));
  writeFileSync(join(work, 'inventory.ini'), `[sealbin]\nlocalhost ansible_connection=local ansible_python_interpreter=${has('python3') ? 'python3' : 'auto'}\n`);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('deploy/ansible', () => {
  it.skipIf(reason !== '')(`passes ansible-playbook --syntax-check${reason}`, () => {
    const result = spawnSync('ansible-playbook', ['--syntax-check', '-i', 'inventory.example.ini', 'site.yml'], { cwd: DIR, encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('playbook: site.yml');
  });

  it.skipIf(lintReason !== '')(`passes ansible-lint (production profile, offline)${lintReason}`, () => {
    const result = spawnSync('ansible-lint', ['--nocolor', 'site.yml'], { cwd: DIR, encoding: 'utf8', timeout: LONG, env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/Passed with production profile/);
  }, LONG);

  it.skipIf(reason !== '')(`in check mode against this machine predicts the install, writes nothing and never prints the key${reason}`, async () => {
    const paths = ['/etc/sealbin', '/opt/sealbin', '/var/lib/sealbin', '/etc/systemd/system/sealbin.service'];
    const before = paths.map(existsSync);
    const key = 'c0ffee'.repeat(10) + 'c0ff';
    const result = await play({ sealbin_manage_services: false, sealbin_master_key: key }, ['--check', '--diff']);
    expect(result.code, result.output).toBe(0);
    expect(result.failed).toBe(0);
    expect(changedTasks(result.output)).toEqual(expect.arrayContaining(['sealbin : Write the settings', 'sealbin : Install the systemd unit', 'sealbin : Copy the release (dist/, docs/), read-only to the service']));
    expect(result.output).not.toContain(key);
    expect(paths.map(existsSync)).toEqual(before);
  }, LONG);
});

describe('deploy/ansible run into a throwaway root', () => {
  let root: string;
  const secret = 'proxy-secret-'.padEnd(40, 'x');
  const vars = () => ({
    sealbin_root: root,
    sealbin_manage_services: false,
    sealbin_manage_user: false,
    sealbin_manage_packages: false,
    sealbin_install_dependencies: false,
    // The account running the test stands in for the sealbin user it may not create here.
    sealbin_user: execFileSync('id', ['-un'], { encoding: 'utf8' }).trim(),
    sealbin_group: execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim(),
    sealbin_public_url: 'https://paste.test.example',
    sealbin_redis_url: 'redis://127.0.0.1:6379/3',
    sealbin_env: { SEALBIN_MAX_SIZE: '1GiB' },
    sealbin_nginx: true,
    sealbin_server_name: 'paste.test.example',
    sealbin_tls_certificate: join(root, 'tls/server.crt'),
    sealbin_tls_certificate_key: join(root, 'tls/server.key'),
    sealbin_proxy_secret: secret,
  });
  let first: PlayResult;

  beforeAll(async () => {
    if (reason !== '') return;
    root = mkdtempSync(join(tmpdir(), 'sealbin-ansible-root-'));
    // What a Debian host with nginx has before the role runs, and the CA certificate nginx advertises.
    for (const dir of ['etc/systemd/system', 'etc/nginx/conf.d', 'tls']) mkdirSync(join(root, dir), { recursive: true });
    const cert = (name: string) => execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', join(root, `tls/${name}.key`), '-out', join(root, `tls/${name}.crt`)], { stdio: 'ignore' });
    cert('server');
    cert('ca');
    writeFileSync(join(root, 'etc/nginx/sealbin-ca.crt'), readFileSync(join(root, 'tls/ca.crt')));
    first = await play(vars());
  }, LONG);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it.skipIf(reason !== '')(`installs the unit of deploy/ unchanged, the release, and settings the server accepts (0600)${reason}`, () => {
    expect(first.code, first.output).toBe(0);
    expect(first.failed).toBe(0);
    expect(readFileSync(join(root, 'etc/systemd/system/sealbin.service'), 'utf8')).toBe(readFileSync(UNIT, 'utf8'));
    expect(existsSync(join(root, 'opt/sealbin/dist/main.js'))).toBe(true);
    expect(existsSync(join(root, 'opt/sealbin/package-lock.json'))).toBe(true);
    const envPath = join(root, 'etc/sealbin/sealbin.env');
    expect(mode(envPath)).toBe('600');
    expect(mode(join(root, 'etc/sealbin'))).toBe('700');
    const env: Record<string, string> = { SEALBIN_DATA_DIR: '/var/lib/sealbin' };
    for (const line of readFileSync(envPath, 'utf8').split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (match) env[match[1] as string] = match[2] as string;
    }
    expect(env).toMatchObject({ SEALBIN_PUBLIC_URL: 'https://paste.test.example', SEALBIN_PROXY_SECRET: secret, SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32', SEALBIN_REDIS_URL: 'redis://127.0.0.1:6379/3', SEALBIN_MAX_SIZE: '1GiB' });
    expect(env['SEALBIN_MASTER_KEY']).toBeUndefined();
    // Every name and value is one the server itself accepts.
    const config = loadConfig(env);
    expect(config.publicUrl).toBe('https://paste.test.example');
    expect(first.output).not.toContain(secret);
  });

  it.skipIf(reason !== '')(`makes the master key once: 64 hex characters, 0600 in a 0700 data dir${reason}`, () => {
    const keyPath = join(root, 'var/lib/sealbin/master.key');
    expect(readFileSync(keyPath, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(mode(keyPath)).toBe('600');
    expect(mode(join(root, 'var/lib/sealbin'))).toBe('700');
    expect(first.output).not.toContain(readFileSync(keyPath, 'utf8').trim());
  });

  it.skipIf(reason !== '' || !has('nginx'))(`installs deploy/nginx/sealbin.conf with this host's values only, which nginx -t accepts${reason || (has('nginx') ? '' : ' (skipped: nginx is not installed)')}`, () => {
    const installed = readFileSync(join(root, 'etc/nginx/conf.d/sealbin.conf'), 'utf8');
    const expected = readFileSync(SITE, 'utf8')
      .replaceAll('/etc/ssl/paste.example.org.crt', join(root, 'tls/server.crt'))
      .replaceAll('/etc/ssl/paste.example.org.key', join(root, 'tls/server.key'))
      .replaceAll('paste.example.org', 'paste.test.example')
      .replace('"REPLACE-ME"', `"${secret}"`);
    expect(installed.trimEnd()).toBe(expected.trimEnd());
    expect(mode(join(root, 'etc/nginx/conf.d/sealbin.conf'))).toBe('600');
    // nginx -t on it, with the CA path and ports of this test (no bind to 80/443 needed).
    const dir = mkdtempSync(join(tmpdir(), 'sealbin-ansible-nginx-'));
    try {
      const site = installed.replaceAll('/etc/nginx/sealbin-ca.crt', join(root, 'etc/nginx/sealbin-ca.crt')).replace(/listen 443 ssl;/, 'listen 127.0.0.1:18443 ssl;').replace(/listen \[::\]:443 ssl;/, '').replace(/listen 80;/, 'listen 127.0.0.1:18079;').replace(/listen \[::\]:80;/, '');
      const result = spawnSync('nginx', ['-t', '-p', dir, '-c', writeNginxConf(dir, site), '-e', 'stderr'], { encoding: 'utf8' });
      expect(result.stderr).toMatch(/test is successful/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(reason !== '')(`is idempotent: a second run changes nothing and the key stays${reason}`, async () => {
    const keyPath = join(root, 'var/lib/sealbin/master.key');
    const key = readFileSync(keyPath, 'utf8');
    const again = await play(vars());
    expect(again.code, again.output).toBe(0);
    expect(changedTasks(again.output)).toEqual([]);
    expect(again.changed).toBe(0);
    expect(readFileSync(keyPath, 'utf8')).toBe(key);
  }, LONG);

  it.skipIf(reason !== '')(`takes the master key from a (vault) variable into the settings, never into the output${reason}`, async () => {
    const keyPath = join(root, 'var/lib/sealbin/master.key');
    const fileKey = readFileSync(keyPath, 'utf8');
    const vaultKey = 'ab'.repeat(32);
    const result = await play({ ...vars(), sealbin_master_key: vaultKey }, ['--diff']);
    expect(result.code, result.output).toBe(0);
    expect(changedTasks(result.output)).toEqual(['sealbin : Write the settings']);
    expect(readFileSync(join(root, 'etc/sealbin/sealbin.env'), 'utf8')).toContain(`SEALBIN_MASTER_KEY=${vaultKey}\n`);
    expect(result.output).not.toContain(vaultKey);
    // The key file made earlier is left as it was (the server prefers SEALBIN_MASTER_KEY).
    expect(readFileSync(keyPath, 'utf8')).toBe(fileKey);
  }, LONG);

  it.skipIf(reason !== '')(`refuses a key beside data without one, and a shared database without a master key${reason}`, async () => {
    const other = mkdtempSync(join(tmpdir(), 'sealbin-ansible-data-'));
    try {
      mkdirSync(join(other, 'var/lib/sealbin'), { recursive: true, mode: 0o700 });
      writeFileSync(join(other, 'var/lib/sealbin/sealbin.db'), 'data written with a key that is gone');
      const beside = await play({ ...vars(), sealbin_root: other, sealbin_nginx: false });
      expect(beside.code).not.toBe(0);
      expect(beside.output).toContain('holds data but no master.key');
      // Refused before anything was installed.
      expect(readdirSync(join(other, 'var/lib/sealbin'))).toEqual(['sealbin.db']);
      expect(existsSync(join(other, 'opt/sealbin'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    const shared = await play({ ...vars(), sealbin_database_url: 'postgres://sealbin@db/sealbin' });
    expect(shared.code).not.toBe(0);
    expect(shared.output).toContain('sealbin_database_url needs sealbin_master_key');
  }, LONG);
});
