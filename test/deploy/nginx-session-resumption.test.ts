// deploy/nginx/sealbin.conf must never resume a TLS session: a resumed session carries the client
// certificate of the full handshake, so whoever holds the session (not the private key) would be
// forwarded to Sealbin as that certificate's owner. A real nginx runs the shipped site in front of a
// real Sealbin; openssl s_client does a full handshake with a client certificate, saves the session,
// then offers it back without a certificate.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { freePort } from '../helpers/free-port.js';
import { renderSite, startNginx, writeNginxConf } from './nginx-site.js';
import type { RunningNginx } from './nginx-site.js';
import { has } from './tools.js';

const missing = ['nginx', 'openssl'].filter((tool) => !has(tool));
const reason = missing.length > 0 ? ` (skipped: ${missing.join(' and ')} not installed)` : '';
const SECRET = 'nginx-test-proxy-secret-0123456789';

interface Handshake {
  /** "New" for a full handshake, "Reused" for a resumed session. */
  kind: string;
  protocol: string;
  /** Sealbin's answer as nginx relayed it. */
  status: number;
  body: string;
  /** What the client could offer later: the session id and whether a ticket came with it. */
  sessionId: string;
  ticket: boolean;
}

describe.skipIf(reason !== '')(`nginx site: no TLS session resumption${reason}`, () => {
  let dir: string;
  let port: number;
  let sealbin: RunningServer;
  let nginx: RunningNginx;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealbin-nginx-tls-'));
    const key = (name: string, subject: string) =>
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', subject, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
    key('server', '/CN=paste.example.org');
    key('client', '/CN=someone');
    sealbin = await startServer({ env: { SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32', SEALBIN_PROXY_SECRET: SECRET } });
    port = await freePort();
    let httpPort = await freePort();
    while (httpPort === port) httpPort = await freePort();
    const site = renderSite({
      certPath: join(dir, 'server.crt'),
      keyPath: join(dir, 'server.key'),
      clientCaPath: join(dir, 'client.crt'),
      httpsPort: port,
      httpPort,
      upstream: new URL(sealbin.url).host,
      proxySecret: SECRET,
    });
    writeNginxConf(dir, site, { foreground: true });
    nginx = await startNginx(dir, port);
  });
  afterAll(async () => {
    await nginx?.stop();
    await sealbin?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One HTTPS request through nginx with openssl s_client; `args` add certificate or session options. */
  function handshake(version: string, args: string[]): Handshake {
    const request = 'GET /health HTTP/1.1\r\nHost: paste.example.org\r\nConnection: close\r\n\r\n';
    const result = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'paste.example.org', `-${version}`, '-ign_eof', ...args], { input: request, encoding: 'utf8', timeout: 20_000 });
    const summary = /^(New|Reused), (TLSv[0-9.]+)/m.exec(result.stdout);
    const status = /^HTTP\/1\.1 (\d{3})/m.exec(result.stdout);
    if (!summary || !status) throw new Error(`openssl s_client (${result.status}): ${result.stdout}\n${result.stderr}\nnginx: ${nginx.output()}`);
    return {
      kind: summary[1] as string,
      protocol: summary[2] as string,
      status: Number(status[1]),
      body: result.stdout.slice(status.index),
      sessionId: /^\s*Session-ID: *(\S*)$/m.exec(result.stdout)?.[1] ?? '',
      ticket: /TLS session ticket/.test(result.stdout),
    };
  }

  it.each([
    ['tls1_2', 'TLSv1.2'],
    ['tls1_3', 'TLSv1.3'],
  ])('%s: a saved session offered without the certificate gets a full handshake, and Sealbin sees no certificate', (version, protocol) => {
    const session = join(dir, `${version}.session`);
    const first = handshake(version, ['-cert', join(dir, 'client.crt'), '-key', join(dir, 'client.key'), '-sess_out', session]);
    expect(first).toMatchObject({ kind: 'New', protocol });
    // The certificate reached Sealbin (which refuses it: not issued by its CA), so nginx passed it on.
    expect(first.status).toBe(401);
    expect(first.body).toContain('CERT_UNTRUSTED');

    // s_client saves only a session the server made resumable. None saved: the server gave neither an
    // id nor a ticket, so there is nothing to offer; the handshake below is then a plain one.
    const saved = existsSync(session);
    if (!saved) expect({ sessionId: first.sessionId, ticket: first.ticket }).toEqual({ sessionId: '', ticket: false });
    const second = handshake(version, saved ? ['-sess_in', session] : []);
    expect(second.kind, 'the session was resumed').toBe('New');
    expect(second.protocol).toBe(protocol);
    // No certificate this time, and none replayed from a session: an anonymous request.
    expect(second.status).toBe(200);
    expect(second.body).not.toContain('CERT_UNTRUSTED');
  });
});
