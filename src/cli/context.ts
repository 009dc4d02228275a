// What every command gets: the resolved settings and HTTP clients built from them.
import { readFileSync } from 'node:fs';
import type { ServerInfoJson } from './api-types.js';
import { loadSettings } from './config.js';
import type { SettingName, Settings } from './config.js';
import { CliError, plainHttpIdentityHint, UsageError } from './errors.js';
import { HttpClient } from './http-client.js';
import type { TlsOptions } from './http-client.js';

export interface GlobalFlags {
  server?: string;
  cert?: string;
  key?: string;
  ca?: string;
  fingerprint?: string;
  config?: string;
  quiet?: boolean;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CliError(`cannot read the ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

export class Context {
  private readonly clients = new Map<string, HttpClient>();
  private warned = false;
  private info: Promise<ServerInfoJson> | null = null;

  constructor(readonly settings: Settings) {}

  static fromFlags(flags: GlobalFlags): Context {
    const picked: Partial<Record<SettingName | 'config', string | undefined>> = {
      server: flags.server,
      cert: flags.cert,
      key: flags.key,
      ca: flags.ca,
      fingerprint: flags.fingerprint,
      config: flags.config,
    };
    return new Context(loadSettings(picked));
  }

  /** The configured server, or a usage error saying how to set one. */
  get server(): string {
    const server = this.settings.values.server;
    if (!server) throw new UsageError('no server configured: pass --server URL, set FPASTE_SERVER, or put "server = URL" in the config file (fpaste config --write --server URL)');
    return server;
  }

  /** A client certificate and key are configured (both, or it is an error). */
  hasIdentity(): boolean {
    const { cert, key } = this.settings.values;
    if ((cert === undefined) !== (key === undefined)) throw new UsageError('a client certificate needs both --cert and --key (or cert and key in the config)');
    return cert !== undefined;
  }

  /** The configured server is reached over plain http:// (no client certificate can be presented). */
  isPlainHttp(): boolean {
    return this.server.startsWith('http:');
  }

  /**
   * Fails early, with the reason, when `what` needs a client certificate: none configured, or a
   * plain-HTTP server that could never receive it.
   */
  requireIdentity(what: string): void {
    if (this.isPlainHttp()) throw new CliError(`${what} needs your client certificate, but ${plainHttpIdentityHint(this.server)}`);
    if (!this.hasIdentity()) throw new CliError(`${what} needs your client certificate: run fpaste register --configure (or pass --cert and --key)`);
  }

  private tlsFor(base: string): TlsOptions {
    // Privacy: the identity, CA and pin belong to the configured server only; a URL on another
    // server gets a plain TLS connection with the system CAs and no client certificate.
    if (base !== this.settings.values.server) return {};
    const { cert, key, ca, fingerprint } = this.settings.values;
    const tls: TlsOptions = { fingerprint };
    if (this.hasIdentity()) {
      tls.cert = readPem(cert as string, 'client certificate');
      tls.key = readPem(key as string, 'client key');
    }
    if (ca) tls.ca = readPem(ca, 'CA file');
    return tls;
  }

  /** The client for `base` (default: the configured server). */
  client(base?: string): HttpClient {
    const target = base ?? this.server;
    let client = this.clients.get(target);
    if (!client) {
      const url = new URL(target);
      if (url.protocol === 'http:' && !isLoopback(url.hostname) && !this.warned) {
        this.warned = true;
        console.error(`fpaste: warning: ${url.host} is plain http: the network sees everything sent (end-to-end encrypted content stays unreadable, but delete tokens and plain pastes do not)`);
      }
      client = new HttpClient(target, this.tlsFor(target));
      this.clients.set(target, client);
    }
    return client;
  }

  /** The configured server's GET / (limits, proof of work), asked once per run. */
  serverInfo(): Promise<ServerInfoJson> {
    this.info ??= this.client().json<ServerInfoJson>('GET', '/');
    return this.info;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
