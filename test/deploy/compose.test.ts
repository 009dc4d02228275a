// deploy/compose: PostgreSQL, Redis, two Sealbin instances and nginx. Checked offline: the file parses
// (YAML with merge keys), names the services it promises, gives both instances one configuration
// the server accepts (shared databases, shared master key from .env, only nginx trusted as proxy),
// and its nginx site balances over both instances and passes `nginx -t` when nginx is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config.js';
import { TrustedProxies } from '../../src/security/client-ip.js';
import { CONTRACT_NAMES, knownToConfig, TEST_MASTER_KEY } from './config-names.js';
import { writeNginxConf } from './nginx-site.js';
import { has } from './tools.js';

const DIR = new URL('../../deploy/compose/', import.meta.url).pathname;
const TEMPLATE = readFileSync(join(DIR, 'nginx/sealbin.conf.template'), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  read_only?: boolean;
  tmpfs?: string[];
  volumes?: string[];
  stop_grace_period?: string;
  command?: string[];
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
}

const compose = parse(readFileSync(join(DIR, 'compose.yaml'), 'utf8'), { merge: true }) as Compose;
const envExample = Object.fromEntries(
  readFileSync(join(DIR, 'env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

/** Compose's ${NAME}, ${NAME:-default} and ${NAME:?message} interpolation from `vars`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_all, name: string, kind: string | undefined, rest: string | undefined) => {
    const set = vars[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '-') return rest ?? '';
    throw new Error(`${name} is unset (${rest ?? 'no default'})`);
  });
}

const SECRETS = { SEALBIN_MASTER_KEY: TEST_MASTER_KEY, SEALBIN_PROXY_SECRET: 'b'.repeat(48), POSTGRES_PASSWORD: 'c'.repeat(32) };
const instances = ['sealbin-a', 'sealbin-b'];

describe('deploy/compose/compose.yaml', () => {
  it('runs PostgreSQL, Redis, two Sealbin instances and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['nginx', 'postgres', 'redis', 'sealbin-a', 'sealbin-b']);
    expect(compose.services['postgres']?.image).toMatch(/postgres:1[5-9]/);
    expect(compose.services['redis']?.image).toMatch(/redis:7/);
    for (const name of instances) expect(compose.services[name]?.build?.dockerfile).toBe('deploy/Containerfile');
  });

  it('gives both instances the same configuration, which the server accepts once the secrets are set', () => {
    const [a, b] = instances.map((name) => compose.services[name]?.environment ?? {});
    expect(a).toEqual(b);
    const env = Object.fromEntries(Object.entries(a ?? {}).map(([name, value]) => [name, interpolate(String(value), SECRETS)]));
    for (const name of Object.keys(env)) expect(CONTRACT_NAMES.includes(name) || knownToConfig(name), name).toBe(true);
    expect(env['SEALBIN_DATABASE_URL']).toMatch(/^postgres:\/\/sealbin:c+@postgres:5432\/sealbin$/);
    expect(env['SEALBIN_REDIS_URL']).toMatch(/^redis:\/\/redis:6379\//);
    // The names the server knows today must take these values (the scale-out names once they land).
    const known = Object.fromEntries(Object.entries(env).filter(([name]) => knownToConfig(name)));
    const config = loadConfig(known);
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
  });

  it('takes every secret from .env, never a literal, and refuses to start without them', () => {
    const env = compose.services['sealbin-a']?.environment ?? {};
    expect(env['SEALBIN_MASTER_KEY']).toMatch(/^\$\{SEALBIN_MASTER_KEY:\?/);
    expect(env['SEALBIN_PROXY_SECRET']).toMatch(/^\$\{SEALBIN_PROXY_SECRET:\?/);
    expect(env['SEALBIN_DATABASE_URL']).toContain('${POSTGRES_PASSWORD:?');
    expect(() => interpolate(String(env['SEALBIN_MASTER_KEY']), {})).toThrow(/SEALBIN_MASTER_KEY is unset/);
    // env.example's placeholders are refused by the server, so nobody runs with a published key.
    expect(Object.keys(envExample).sort()).toEqual(['POSTGRES_PASSWORD', 'SEALBIN_MASTER_KEY', 'SEALBIN_PROXY_SECRET', 'SEALBIN_PUBLIC_URL']);
    expect(() => loadConfig({ SEALBIN_MASTER_KEY: envExample['SEALBIN_MASTER_KEY'] as string })).toThrow(ConfigError);
    expect(() => loadConfig({ SEALBIN_PROXY_SECRET: envExample['SEALBIN_PROXY_SECRET'] as string, SEALBIN_TRUSTED_PROXIES: '10.0.0.1/32' })).toThrow(ConfigError);
  });

  it('trusts exactly nginx as proxy: its fixed address is the trusted one, and nothing else on the network is', () => {
    const nginxAddress = (compose.services['nginx']?.networks as Record<string, { ipv4_address?: string }>)['backend']?.ipv4_address as string;
    const subnet = compose.networks?.['backend']?.ipam?.config?.[0]?.subnet as string;
    expect(new TrustedProxies([subnet]).has(nginxAddress)).toBe(true);
    const trusted = new TrustedProxies(String(compose.services['sealbin-a']?.environment?.['SEALBIN_TRUSTED_PROXIES']).split(','));
    expect(trusted.has(nginxAddress)).toBe(true);
    expect(trusted.has(nginxAddress.replace(/\.\d+$/, '.11'))).toBe(false);
    const secretOf = (service: string) => interpolate(String(compose.services[service]?.environment?.['SEALBIN_PROXY_SECRET']), SECRETS);
    expect(secretOf('nginx')).toBe(secretOf('sealbin-a'));
  });

  it('starts the instances only on healthy databases; nothing of an instance outlives it (read-only, tmpfs data dir)', () => {
    for (const name of instances) {
      const service = compose.services[name] as Service;
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(service.read_only).toBe(true);
      expect(service.tmpfs?.some((entry) => entry.startsWith('/var/lib/sealbin:'))).toBe(true);
      expect(service.environment?.['SEALBIN_DATA_DIR']).toMatch(/^\/var\/lib\/sealbin\/.+/);
      expect(Number.parseInt(service.stop_grace_period ?? '10', 10)).toBeGreaterThanOrEqual(30);
    }
  });

  it('runs Redis with noeviction (a full Redis fails closed) and appendonly on a volume (a restart forgets no used PoW token)', () => {
    const command = compose.services['redis']?.command ?? [];
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(compose.services['redis']?.volumes?.some((volume) => volume.endsWith(':/data'))).toBe(true);
  });
});

describe('deploy/compose/nginx/sealbin.conf.template', () => {
  const code = TEMPLATE.split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '')
    .join('\n');

  it('balances over both instances on the port they listen on', () => {
    const servers = [...code.matchAll(/^server (\S+?):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers).toEqual(['sealbin-a:8080', 'sealbin-b:8080']);
  });

  it('overwrites the headers Sealbin believes from it, and sends the secret from the environment', () => {
    const headers = new Map([...code.matchAll(/^proxy_set_header\s+(\S+)\s+(.+);$/gm)].map((m) => [(m[1] as string).toLowerCase(), (m[2] as string).trim()]));
    expect(headers.get('x-forwarded-for')).toBe('$proxy_add_x_forwarded_for');
    expect(headers.get('x-ssl-client-cert')).toBe('$ssl_client_escaped_cert');
    expect(headers.get('x-ssl-client-sha1')).toBe('""');
    expect(headers.get('x-proxy-secret')).toBe('"${SEALBIN_PROXY_SECRET}"');
    expect(code).toMatch(/^ssl_verify_client\s+optional_no_ca;$/m);
    expect(code).toMatch(/^ssl_session_tickets\s+off;$/m);
    expect(code).toMatch(/^proxy_request_buffering\s+off;$/m);
    expect(code).not.toMatch(/proxy_next_upstream[^;]*non_idempotent/);
  });

  const reason = !has('nginx') ? ' (skipped: nginx is not installed)' : !has('openssl') ? ' (skipped: openssl is not installed)' : '';
  it.skipIf(reason !== '')(`passes nginx -t once rendered as the image renders it${reason}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealbin-compose-nginx-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt')], { stdio: 'ignore' });
      // envsubst of the one variable, the certs directory at its test path, and the service names
      // (resolved by Docker's DNS in compose) as loopback ports, since nginx -t resolves upstreams.
      const site = TEMPLATE.replaceAll('${SEALBIN_PROXY_SECRET}', 'b'.repeat(48))
        .replaceAll('/etc/nginx/certs/', `${dir}/`)
        .replace('server sealbin-a:8080', 'server 127.0.0.1:18080')
        .replace('server sealbin-b:8080', 'server 127.0.0.1:18081')
        .replace(/listen 443 ssl;/, 'listen 127.0.0.1:18443 ssl;')
        .replace(/listen 80;/, 'listen 127.0.0.1:18079;');
      const result = spawnSync('nginx', ['-t', '-p', dir, '-c', writeNginxConf(dir, site), '-e', 'stderr'], { encoding: 'utf8' });
      expect(result.stderr).toMatch(/test is successful/);
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
