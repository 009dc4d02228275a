// Shared fixtures for the identity/PKI suites (black box): key material made with the openssl CLI,
// a real server process (TLS terminated in it, or plain HTTP behind a "proxy"), and an HTTP(S)
// client that presents a client certificate over a keep-alive connection it can reuse.
//
// Bootstrapping an admin from outside: an external CA made here is trusted through
// SEALBIN_TRUSTED_CA_FILE, and a leaf it signs is named in SEALBIN_ADMINS (its fingerprint is known
// before the server starts). Certificates of the server's own CA come from POST /register or from
// that admin's POST /pki/issue.
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { expectErrorParts } from '../../helpers/contract.js';
import type { ErrorBody } from '../../helpers/contract.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import type { Created } from '../../helpers/http.js';

// ---------------------------------------------------------------------------------------------
// openssl

export interface OpensslResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs openssl; never throws (for commands that are expected to fail). */
export function opensslRun(args: readonly string[], input?: string | Buffer): OpensslResult {
  const result = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Runs openssl and returns stdout; throws with stderr when it fails. */
export function openssl(args: readonly string[], input?: string | Buffer): string {
  const result = opensslRun(args, input);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** A temporary directory for key material; removed by dispose(). */
export class Workdir {
  readonly dir = mkdtempSync(join(tmpdir(), 'sealbin-pki-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, data: string | Buffer): string {
    const path = this.path(name);
    writeFileSync(path, data, { mode: 0o600 });
    return path;
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface KeyPair {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function loadPair(work: Workdir, name: string): KeyPair {
  return { cert: work.read(`${name}.crt`), key: work.read(`${name}.key`), certPath: work.path(`${name}.crt`), keyPath: work.path(`${name}.key`) };
}

/** The server's own TLS certificate for 127.0.0.1 (self-signed; clients trust it explicitly). */
export function makeServerTls(work: Workdir): KeyPair {
  openssl(['req', '-x509', ...EC, '-keyout', work.path('server.key'), '-out', work.path('server.crt'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'extendedKeyUsage=serverAuth']);
  return loadPair(work, 'server');
}

/** A self-signed certificate; a CA (CA:TRUE, keyCertSign) unless `ca` is false. */
export function makeSelfSigned(work: Workdir, name: string, subject: string, options: { ca?: boolean; days?: number } = {}): KeyPair {
  const extensions = options.ca === false
    ? ['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=clientAuth']
    : ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  openssl(['req', '-x509', ...EC, '-keyout', work.path(`${name}.key`), '-out', work.path(`${name}.crt`), '-days', String(options.days ?? 3650), '-subj', subject, ...extensions]);
  return loadPair(work, name);
}

/** A clientAuth leaf signed by `issuer` (a CA made with makeSelfSigned). */
export function makeLeaf(work: Workdir, name: string, issuer: KeyPair, subject: string, days = 3650): KeyPair {
  openssl(['req', '-new', ...EC, '-keyout', work.path(`${name}.key`), '-out', work.path(`${name}.csr`), '-subj', subject]);
  const ext = work.write(`${name}.ext`, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', work.path(`${name}.csr`), '-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', String(days), '-sha256', '-extfile', ext, '-out', work.path(`${name}.crt`)]);
  return loadPair(work, name);
}

/** A PEM CSR (and its key) made by openssl with whatever extra request arguments are given. */
export function makeCsr(work: Workdir, name: string, subject: string, extra: readonly string[] = []): { csr: string; key: string; csrPath: string; keyPath: string } {
  openssl(['req', '-new', ...EC, '-keyout', work.path(`${name}.key`), '-out', work.path(`${name}.csr`), '-subj', subject, ...extra]);
  return { csr: work.read(`${name}.csr`), key: work.read(`${name}.key`), csrPath: work.path(`${name}.csr`), keyPath: work.path(`${name}.key`) };
}

/** Lowercase hex SHA-256 of the DER certificate, computed independently of the server. */
export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

export function sha1Of(pem: string): string {
  return createHash('sha1').update(new X509Certificate(pem).raw).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// HTTP(S) client

export interface ClientCert {
  cert: string;
  key: string;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: Buffer;
  /** Whether the request went over a connection that had already carried a request. */
  reusedSocket: boolean;
  /** The client side of the connection (address:port), to tell connections apart. */
  connection: string;
  header(name: string): string | undefined;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface ClientOptions {
  /** The CA that signed the server's TLS certificate (https only). */
  ca?: string;
  /** A client certificate and key to present in the TLS handshake. */
  cert?: ClientCert;
  /** Connect from this local address (127.0.0.0/8 is all loopback): the TCP peer the server sees. */
  localAddress?: string;
  /** Headers sent with every request (e.g. a proxy's X-Proxy-Secret); a request's own headers win. */
  headers?: Record<string, string>;
}

/**
 * One client (one identity): a keep-alive agent with a single socket, so consecutive requests go
 * over the same connection while the server keeps it open.
 */
export class Client {
  private readonly agent: HttpAgent;
  private readonly tls: boolean;
  private readonly defaultHeaders: Record<string, string>;

  constructor(
    readonly base: string,
    options: ClientOptions = {},
  ) {
    this.tls = base.startsWith('https:');
    this.defaultHeaders = options.headers ?? {};
    const common = { keepAlive: true, maxSockets: 1, ...(options.localAddress ? { localAddress: options.localAddress } : {}) };
    this.agent = this.tls
      ? new HttpsAgent({ ...common, ...(options.ca ? { ca: options.ca } : {}), ...(options.cert ? { cert: options.cert.cert, key: options.cert.key } : {}) })
      : new HttpAgent(common);
  }

  request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const url = new URL(path, `${this.base}/`);
    const send = this.tls ? httpsRequest : httpRequest;
    return new Promise<Reply>((resolve, reject) => {
      const request = send(url, { method, headers: { ...this.defaultHeaders, ...options.headers }, agent: this.agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          const socket = request.socket as Socket | null;
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            body,
            reusedSocket: request.reusedSocket,
            connection: socket ? `${socket.localAddress}:${socket.localPort}` : '?',
            header: (name) => {
              const value = response.headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            json: <T>() => JSON.parse(text) as T,
          });
        });
      });
      request.on('error', reject);
      request.end(options.body);
    });
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('GET', path, { headers });
  }

  /** A JSON POST. */
  post(path: string, json: unknown = {}, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('POST', path, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });
  }

  /** POST / with raw bytes. */
  paste(content: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('POST', '/', { headers: { 'content-type': 'application/octet-stream', ...headers }, body: content });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The contract's error shape, with the expected status and code. */
export function expectErr(reply: Reply, status: number, code: string): ErrorBody {
  return expectErrorParts(reply.status, reply.headers, reply.text, status, code);
}

export function expectStatus(reply: Reply, status: number): void {
  expect(reply.status, `${reply.status} ${reply.text.slice(0, 400)}`).toBe(status);
}

// ---------------------------------------------------------------------------------------------
// Contract shapes

export interface Issued {
  serial: string;
  fingerprint: string;
  certificate: string;
  private_key?: string;
  pkcs12?: string;
  pkcs12_password?: string;
}

export interface PkiStatus {
  enabled: boolean;
  ca_exists: boolean;
  fingerprint: string | null;
  common_name: string | null;
  expires_at: number | null;
  issued: number;
  revoked: number;
}

export interface CertView {
  serial: string;
  fingerprint: string;
  common_name: string;
  admin: boolean;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  status: 'valid' | 'revoked' | 'expired';
}

/** The paste fields of the contract, as the shared helpers already describe them. */
export type PasteView = Created;

/** The certificate and key of an answer that carries a server-generated key. */
export function certOf(issued: Issued): ClientCert {
  expect(issued.private_key, 'a generated private key').toBeTypeOf('string');
  return { cert: issued.certificate, key: issued.private_key as string };
}

// ---------------------------------------------------------------------------------------------
// The server under test

export interface IdentityServer {
  server: RunningServer;
  url: string;
  work: Workdir;
  /** The server's TLS certificate (PEM) and its file, for clients to trust. */
  serverCa: string | undefined;
  serverCaPath: string | undefined;
  /** External CA in SEALBIN_TRUSTED_CA_FILE and its admin leaf (in SEALBIN_ADMINS). */
  trustedCa: KeyPair;
  externalAdmin: KeyPair;
  /** Clients made by client(); closed by dispose(). */
  client(options?: Omit<ClientOptions, 'ca'>): Client;
  /** A client presenting a certificate (and its key). */
  as(cert: ClientCert, options?: Omit<ClientOptions, 'ca' | 'cert'>): Client;
  /** Stops the process (SIGTERM) and starts a new one on the same data dir, with `env` added; url changes. */
  restart(env?: Record<string, string>): Promise<void>;
  dispose(): Promise<void>;
}

export interface IdentityServerOptions {
  /** Terminate TLS in the server (default true). */
  tls?: boolean;
  env?: Record<string, string>;
}

/** External CA + admin leaf + (optionally) server TLS material, then the real server process. */
export async function startIdentityServer(options: IdentityServerOptions = {}): Promise<IdentityServer> {
  const work = new Workdir();
  const tls = options.tls ?? true;
  const serverTls = tls ? makeServerTls(work) : undefined;
  const trustedCa = makeSelfSigned(work, 'trusted-ca', '/CN=Partner Org CA/O=Partner');
  const externalAdmin = makeLeaf(work, 'external-admin', trustedCa, '/CN=ops-admin/O=Partner');
  const env: Record<string, string> = {
    SEALBIN_TRUSTED_CA_FILE: trustedCa.certPath,
    SEALBIN_ADMINS: fingerprintOf(externalAdmin.cert),
    ...(serverTls ? { SEALBIN_TLS_CERT: serverTls.certPath, SEALBIN_TLS_KEY: serverTls.keyPath } : {}),
    ...options.env,
  };
  let server: RunningServer;
  try {
    server = await startServer({ env });
  } catch (error) {
    work.dispose();
    throw error;
  }
  expect(server.url.startsWith(tls ? 'https://' : 'http://'), server.url).toBe(true);
  const clients: Client[] = [];
  const running: IdentityServer = {
    server,
    url: server.url,
    work,
    serverCa: serverTls?.cert,
    serverCaPath: serverTls?.certPath,
    trustedCa,
    externalAdmin,
    client: (clientOptions = {}) => make(clientOptions),
    as: (cert, clientOptions = {}) => make({ ...clientOptions, cert }),
    restart: async (extra = {}) => {
      for (const client of clients.splice(0)) client.close();
      expect(await running.server.stop()).toBe(0);
      running.server = await startServer({ env: { ...env, ...extra }, dataDir: running.server.dataDir });
      running.url = running.server.url;
    },
    dispose: async () => {
      for (const client of clients) client.close();
      await running.server.dispose();
      work.dispose();
    },
  };
  const make = (clientOptions: ClientOptions) => {
    const client = new Client(running.url, { ...clientOptions, ...(serverTls ? { ca: serverTls.cert } : {}) });
    clients.push(client);
    return client;
  };
  return running;
}

/** POST /pki/ca from loopback (direct), expecting 201; returns the CA certificate PEM. */
export async function createCa(client: Client, commonName = 'Sealbin Test CA'): Promise<string> {
  const created = await client.post('/pki/ca', { common_name: commonName, days: 30 });
  expectStatus(created, 201);
  const pem = await client.get('/pki/ca.crt');
  expectStatus(pem, 200);
  return pem.text;
}

/** POST /pki/issue as `admin`, expecting 201. */
export async function issue(admin: Client, body: Record<string, unknown>): Promise<Issued> {
  const reply = await admin.post('/pki/issue', body);
  expectStatus(reply, 201);
  return reply.json<Issued>();
}

/** POST /register (registration difficulty 0 unless PoW headers are given), expecting 201. */
export async function register(client: Client, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Issued> {
  const reply = await client.post('/register', body, headers);
  expectStatus(reply, 201);
  return reply.json<Issued>();
}

/** Creates a paste as `client`, expecting 201. */
export async function createPasteAs(client: Client, content: string | Buffer, headers: Record<string, string> = {}): Promise<PasteView> {
  const reply = await client.paste(content, headers);
  expectStatus(reply, 201);
  return reply.json<PasteView>();
}

/**
 * `openssl s_client` against a TLS server: another TLS stack than Node's. `input` is written after
 * the handshake (-ign_eof waits for the answer); returns everything it printed.
 */
export function sClient(url: string, serverCaPath: string, args: readonly string[] = [], input = ''): OpensslResult {
  const { hostname, port } = new URL(url);
  return opensslRun(['s_client', '-connect', `${hostname}:${port}`, '-CAfile', serverCaPath, '-verify_return_error', ...(input === '' ? [] : ['-ign_eof', '-quiet']), ...args], input);
}

/** The issuer names a TLS server advertises as acceptable for client certificates. */
export function acceptableClientCas(url: string, serverCaPath: string): string[] {
  const result = sClient(url, serverCaPath);
  const text = result.stdout + result.stderr;
  const match = /Acceptable client certificate CA names\n([\s\S]*?)\n(?:Requested|Client Certificate Types|Shared)/.exec(text);
  if (!match) throw new Error(`no client CA list in the handshake:\n${text}`);
  return (match[1] as string).split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
