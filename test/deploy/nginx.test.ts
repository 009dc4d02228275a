// deploy/nginx/sealbin.conf: passes the client certificate the way Sealbin expects, strips what a
// client could forge, does not buffer or cap bodies, never resumes TLS sessions; `nginx -t` when
// nginx is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { renderSite, SITE, writeNginxConf } from './nginx-site.js';
import { has } from './tools.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const text = readFileSync(SITE, 'utf8');
const code = text
  .split('\n')
  .map((line) => line.replace(/#.*$/, '').trim())
  .filter((line) => line !== '')
  .join('\n');

const nginx = has('nginx');
const openssl = has('openssl');

/** proxy_set_header name -> value, for the location that proxies to Sealbin. */
function proxyHeaders(): Map<string, string> {
  const headers = new Map<string, string>();
  for (const match of code.matchAll(/^proxy_set_header\s+(\S+)\s+(.+);$/gm)) headers.set((match[1] as string).toLowerCase(), (match[2] as string).trim());
  return headers;
}

describe('deploy/nginx/sealbin.conf', () => {
  const headers = proxyHeaders();

  it('asks for an optional client certificate and passes it URL-escaped in X-SSL-Client-Cert', () => {
    expect(code).toMatch(/^ssl_verify_client\s+optional_no_ca;$/m);
    expect(headers.get('x-ssl-client-cert')).toBe('$ssl_client_escaped_cert');
  });

  it('replaces every header Sealbin believes from a trusted proxy, so a client cannot forge them', () => {
    expect(headers.get('x-forwarded-for')).toBe('$proxy_add_x_forwarded_for');
    expect(headers.get('x-forwarded-proto')).toBe('$scheme');
    expect(headers.get('x-forwarded-host')).toBe('$host');
    // A client's own X-SSL-Client-SHA1 would name someone else's certificate: always removed.
    expect(headers.get('x-ssl-client-sha1')).toBe('""');
    expect(headers.get('x-proxy-secret')).toMatch(/^"[^"$]+"$/);
  });

  it('neither caps nor buffers bodies (Sealbin streams and enforces SEALBIN_MAX_SIZE itself)', () => {
    expect(code).toMatch(/^client_max_body_size\s+0;$/m);
    expect(code).toMatch(/^proxy_request_buffering\s+off;$/m);
    expect(code).toMatch(/^proxy_buffering\s+off;$/m);
  });

  it('keeps /metrics off the public side', () => {
    expect(code).toMatch(/location = \/metrics \{\nreturn 404;\n\}/);
  });

  it('documents a Sealbin environment the server accepts once the shared proxy secret is real', () => {
    const env: Record<string, string> = {};
    for (const match of text.matchAll(/^#\s+(SEALBIN_[A-Z_]+)=(\S+)$/gm)) env[match[1] as string] = match[2] as string;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['SEALBIN_TRUSTED_PROXIES', 'SEALBIN_PROXY_SECRET', 'SEALBIN_PUBLIC_URL']));
    // Both sides carry the same placeholder, which the server refuses: nobody runs with a published secret.
    expect(env['SEALBIN_PROXY_SECRET']).toBe((headers.get('x-proxy-secret') ?? '').replace(/"/g, ''));
    expect(() => loadConfig(env)).toThrow(/SEALBIN_PROXY_SECRET/);
    const config = loadConfig({ ...env, SEALBIN_PROXY_SECRET: 'a'.repeat(48) });
    expect(config.trustedProxies).toContain('127.0.0.1/32');
    expect(code).toMatch(new RegExp(`^server ${config.host.replace(/\./g, '\\.')}:${config.port};$`, 'm'));
  });

  it('is where docs/operations.md points, and the docs carry no second copy of it', () => {
    const docs = readFileSync(`${ROOT}docs/operations.md`, 'utf8');
    expect(docs).toContain('deploy/nginx/sealbin.conf');
    expect(docs).not.toMatch(/```nginx/);
  });

  it('never resumes a TLS session, which would carry a client certificate without its key (nginx-session-resumption.test.ts runs it)', () => {
    expect(code).toMatch(/^ssl_session_cache\s+off;$/m);
    expect(code).toMatch(/^ssl_session_tickets\s+off;$/m);
  });

  const reason = !nginx ? ' (skipped: nginx is not installed)' : !openssl ? ' (skipped: openssl is not installed)' : '';
  it.skipIf(reason !== '')(`passes nginx -t${reason}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealbin-nginx-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=paste.example.org', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
      const site = renderSite({ certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key'), clientCaPath: join(dir, 'tls.crt') });
      const result = spawnSync('nginx', ['-t', '-p', dir, '-c', writeNginxConf(dir, site), '-e', 'stderr'], { encoding: 'utf8' });
      expect(result.stderr).toMatch(/test is successful/);
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
