// fpaste's HTTP(S) client on node:http/node:https: streamed bodies both ways, client certificates,
// a custom CA, a pinned server certificate, and the contract's JSON errors turned into ApiError.
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { ApiError, CliError, NetworkError, plainHttpIdentityHint, UnexpectedAnswer } from './errors.js';
import type { ErrorBody } from './errors.js';
import { VERSION } from './version.js';

/** TLS material for one server. */
export interface TlsOptions {
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  ca?: Buffer | undefined;
  /** Lowercase hex SHA-256 of the server's DER certificate. */
  fingerprint?: string | undefined;
}

export interface SendOptions {
  headers?: OutgoingHttpHeaders;
  /** A Buffer/string, or a stream (sent with Content-Length when `length` is given, else chunked). */
  body?: Buffer | string | Readable;
  length?: number;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  header(name: string): string | undefined;
}

/** No byte for this long (either direction) means the server is gone. */
const IDLE_TIMEOUT_MS = 120_000;
const ERROR_BODY_LIMIT = 1024 * 1024;

export function certificateFingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Pinning: the socket reaches the HTTP layer only after the server certificate's SHA-256 matched,
 * so no request byte (content, delete token, client certificate use) is ever sent to an impostor.
 * The pin replaces CA and host-name checks: it accepts exactly one certificate (self-signed too).
 */
class PinnedAgent extends HttpsAgent {
  constructor(
    private readonly pin: string,
    options: HttpsAgentOptions,
  ) {
    // Resumed TLS sessions skip the certificate exchange; always do a full handshake and check.
    super({ ...options, maxCachedSessions: 0 });
  }

  override createConnection(options: ConnectionOptions, callback?: (error: Error | null, socket: Duplex) => void): Duplex | undefined {
    const socket: TLSSocket = tlsConnect({ ...options, rejectUnauthorized: false });
    let done = false;
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      if (error) socket.destroy();
      callback?.(error, socket);
    };
    socket.once('secureConnect', () => {
      const der = socket.getPeerCertificate().raw;
      const actual = der ? certificateFingerprint(der) : '(none)';
      if (actual !== this.pin) finish(new CliError(`TLS: the server certificate (SHA-256 ${actual}) is not the pinned one (${this.pin}); refusing to connect: this could be an interception`));
      else finish(null);
    });
    socket.once('error', (error) => finish(error));
    return undefined;
  }
}

/** OpenSSL's words when the other end answered a TLS hello with plain HTTP. */
const PLAIN_HTTP_ANSWER = /wrong version number|packet length too long|http request/i;

function describeNetworkError(error: NodeJS.ErrnoException, url: URL): string {
  const host = url.host;
  if (url.protocol === 'https:' && error.code === 'EPROTO' && PLAIN_HTTP_ANSWER.test(error.message)) {
    return `TLS: ${host} answered in plain HTTP, not TLS: this server runs without TLS on that port. Use http://${host} (nothing is encrypted in transit then, and no client certificate can be presented), or give the server TLS (docs/identity.md, "TLS on your own machine")`;
  }
  switch (error.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${host}: connection refused (is the server running, is the URL right?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${url.hostname}`;
    case 'ETIMEDOUT':
      return `connecting to ${host} timed out`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the connection to ${host} was closed unexpectedly`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `TLS: the certificate of ${host} is not trusted (${error.code}); give its CA with --ca FILE or pin it with --fingerprint SHA256 (for a certificate from sealbin issue-server-cert: --ca with the ca.crt written next to it)`;
    case 'CERT_HAS_EXPIRED':
      return `TLS: the certificate of ${host} has expired`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: the certificate of ${host} is for another host name`;
    default:
      return `request to ${host} failed: ${error.message}`;
  }
}

export class HttpClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  /**
   * @param base server base URL without a trailing slash, e.g. "https://paste.example.org/p"
   */
  constructor(
    readonly base: string,
    tls: TlsOptions = {},
  ) {
    this.https = base.startsWith('https:');
    if (!this.https) this.agent = new HttpAgent({ keepAlive: true });
    else {
      const options: HttpsAgentOptions = { keepAlive: true, minVersion: 'TLSv1.2' };
      if (tls.cert && tls.key) Object.assign(options, { cert: tls.cert, key: tls.key });
      if (tls.ca) options.ca = tls.ca;
      this.agent = tls.fingerprint ? new PinnedAgent(tls.fingerprint, options) : new HttpsAgent(options);
    }
  }

  url(path: string): URL {
    return new URL(`${this.base}${path}`);
  }

  /** Sends a request; resolves with the response as soon as its headers arrive (any status). */
  send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const url = this.url(path);
    const headers: OutgoingHttpHeaders = { 'user-agent': `fpaste/${VERSION}`, ...options.headers };
    const body = options.body;
    if (typeof body === 'string' || Buffer.isBuffer(body)) headers['content-length'] = Buffer.byteLength(body);
    else if (body && options.length !== undefined) headers['content-length'] = options.length;
    return new Promise<Response>((resolve, reject) => {
      let answered = false;
      const request = (this.https ? httpsRequest : httpRequest)(url, { method, headers, agent: this.agent }, (response) => {
        answered = true;
        // The server may answer (413, 400 ...) before the upload is complete: stop sending.
        if (body && typeof body !== 'string' && !Buffer.isBuffer(body) && !body.readableEnded) {
          body.unpipe(request);
          body.destroy();
        }
        resolve(wrap(response));
      });
      request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new NetworkError(`${url.host} stopped responding (nothing for ${IDLE_TIMEOUT_MS / 1000} s)`, 'ETIMEDOUT')));
      request.on('error', (error: NodeJS.ErrnoException) => {
        // Writing after an early answer fails with EPIPE/ECONNRESET; the answer is what matters.
        if (answered) return;
        reject(error instanceof CliError ? error : new NetworkError(describeNetworkError(error, url), error.code));
      });
      if (body === undefined) request.end();
      else if (typeof body === 'string' || Buffer.isBuffer(body)) request.end(body);
      else {
        body.once('error', (error) => request.destroy(error));
        body.pipe(request);
      }
    });
  }

  /** Sends and expects a 2xx; anything else becomes an ApiError (or a CliError for non-contract answers). */
  async ok(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const response = await this.send(method, path, options);
    if (response.status >= 200 && response.status < 300) return response;
    const error = await errorFrom(response);
    // Over plain HTTP no client certificate can travel: "get one with fpaste register" would send
    // the user round in circles (registering works, the certificate is never presented).
    if (!this.https && error instanceof ApiError && error.code === 'AUTH_REQUIRED') {
      const message = typeof error.body.message === 'string' && error.body.message !== '' ? error.body.message.replace(/\.$/, '') : 'This needs a client certificate';
      throw new CliError(`${message}; but ${plainHttpIdentityHint(this.base)}`);
    }
    throw error;
  }

  async json<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
    const response = await this.ok(method, path, options);
    const text = (await readAll(response.body, 64 * 1024 * 1024)).toString('utf8');
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`the server answered ${method} ${path} with something that is not JSON (is ${this.base} a Sealbin server?)`);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

function wrap(response: IncomingMessage): Response {
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: response,
    header: (name) => {
      const value = response.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** Reads a whole (small) body; more than `limit` bytes is an error, never unbounded buffering. */
export async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of stream) {
    total += (part as Buffer).length;
    if (total > limit) {
      stream.destroy();
      throw new CliError(`the server's answer is larger than expected (over ${limit} bytes)`);
    }
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}

/** The contract's JSON error, or a plain description of a non-contract answer (a proxy's 502 page ...). */
export async function errorFrom(response: Response): Promise<CliError> {
  let text = '';
  try {
    text = (await readAll(response.body, ERROR_BODY_LIMIT)).toString('utf8');
  } catch {
    // A body cut short still leaves the status to report.
  }
  let body: ErrorBody | null = null;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as ErrorBody).error_code === 'string') body = parsed as ErrorBody;
  } catch {
    body = null;
  }
  const retryHeader = response.header('retry-after');
  const retryAfter = body && typeof body['retry_after'] === 'number' ? body['retry_after'] : retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  if (body) return new ApiError(response.status, body.error_code as string, body, retryAfter);
  return new UnexpectedAnswer(response.status, `the server answered HTTP ${response.status} without a Sealbin error (a proxy in between, or not a Sealbin server?)`);
}
