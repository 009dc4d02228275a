// deploy/nginx/sealbin.conf made runnable in a test: its paths, ports, upstream and proxy secret
// replaced, wrapped in an nginx.conf of its own (prefix, pid, temp dirs), and run as a private
// foreground nginx on a free loopback port.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const SITE = new URL('../../deploy/nginx/sealbin.conf', import.meta.url).pathname;

export interface SiteOptions {
  /** Server certificate and key nginx presents. */
  certPath: string;
  keyPath: string;
  /** The CA certificate nginx advertises for client certificates. */
  clientCaPath: string;
  /** Where the HTTPS and the redirecting HTTP server listen (loopback); 0 keeps the shipped ports. */
  httpsPort?: number;
  httpPort?: number;
  /** host:port of the Sealbin the site proxies to. */
  upstream?: string;
  proxySecret?: string;
}

/** The shipped site with this test's paths, ports, upstream and secret; nothing else changed. */
export function renderSite(options: SiteOptions): string {
  let site = readFileSync(SITE, 'utf8')
    .replaceAll('/etc/ssl/paste.example.org.crt', options.certPath)
    .replaceAll('/etc/ssl/paste.example.org.key', options.keyPath)
    .replaceAll('/etc/nginx/sealbin-ca.crt', options.clientCaPath);
  const replace = (pattern: RegExp, value: string) => {
    if (!pattern.test(site)) throw new Error(`deploy/nginx/sealbin.conf no longer matches ${pattern}`);
    site = site.replace(pattern, value);
  };
  if (options.httpsPort) {
    replace(/^(\s*)listen 443 ssl;$/m, `$1listen 127.0.0.1:${options.httpsPort} ssl;`);
    replace(/^\s*listen \[::\]:443 ssl;\n/m, '');
  }
  if (options.httpPort) {
    replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${options.httpPort};`);
    replace(/^\s*listen \[::\]:80;\n/m, '');
  }
  if (options.upstream) replace(/^(\s*)server 127\.0\.0\.1:8080;$/m, `$1server ${options.upstream};`);
  if (options.proxySecret) replace(/(proxy_set_header X-Proxy-Secret\s+)"REPLACE-ME";/, `$1"${options.proxySecret}";`);
  return site;
}

/** Writes dir/nginx.conf (private pid, logs and temp dirs) around dir/sealbin.conf; returns its path. */
export function writeNginxConf(dir: string, site: string, options: { foreground?: boolean } = {}): string {
  writeFileSync(join(dir, 'sealbin.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${join(dir, name)};`).join('\n  ');
  // One foreground process: nothing to daemonise, no workers that switch to another user.
  const mode = options.foreground ? 'daemon off;\nmaster_process off;\n' : '';
  const conf = `${mode}pid ${join(dir, 'nginx.pid')};\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n  ${temp}\n  include ${join(dir, 'sealbin.conf')};\n}\n`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  return join(dir, 'nginx.conf');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningNginx {
  output(): string;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground on dir/nginx.conf and waits until `port` accepts connections. */
export async function startNginx(dir: string, port: number, timeoutMs = 15_000): Promise<RunningNginx> {
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningNginx = {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited before listening:\n${output}`);
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`nginx did not listen on ${port} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return running;
}
