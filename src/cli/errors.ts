// fpaste's failures: each becomes one line on stderr and an exit code (0 ok, 1 server or input
// error, 2 usage). Never a stack trace: that is for FPASTE_DEBUG=1.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure to report as one line, with its exit code. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Wrong arguments: exit code 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** A connection-level failure (no HTTP answer); `code` is Node's (ECONNRESET, EPIPE ...). */
export class NetworkError extends CliError {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** An HTTP answer that is not the contract's (a proxy's 502 page ...); `status` says whether to retry. */
export class UnexpectedAnswer extends CliError {
  override readonly name = 'UnexpectedAnswer';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The server's JSON error (`error_code`, `message`, `request_id`, extra fields). */
export interface ErrorBody {
  error_code?: unknown;
  message?: unknown;
  request_id?: unknown;
  [extra: string]: unknown;
}

/** A contract error from the server, described in one line. */
export class ApiError extends CliError {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: ErrorBody,
    readonly retryAfter: number | null,
  ) {
    super(describeApiError(status, code, body, retryAfter));
  }
}

function seconds(value: number): string {
  if (value < 90) return `${value} s`;
  if (value < 5400) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

function retryAt(retryAfter: number | null): string {
  if (retryAfter === null) return 'later';
  const at = new Date(Date.now() + retryAfter * 1000);
  return `in ${seconds(retryAfter)} (after ${at.toLocaleTimeString('en-GB', { hour12: false })})`;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Why identity features fail against an http:// server: a client certificate is presented in the
 * TLS handshake, and plain HTTP has none, so a configured certificate is never sent.
 */
export function plainHttpIdentityHint(server: string): string {
  return `${server} is plain HTTP, so no client certificate can be presented (certificates travel only inside TLS): use the server's https:// URL, or run the server with TLS (sealbin issue-server-cert; see docs/identity.md)`;
}

/** One line per contract error code; the server's own message where it says more than the code. */
export function describeApiError(status: number, code: string, body: ErrorBody, retryAfter: number | null): string {
  const message = text(body.message);
  const id = text(body.request_id);
  const ref = id ? ` (request ${id})` : '';
  switch (code) {
    case 'NOT_FOUND':
      return 'not found: no such item (it may have expired, been burned or deleted)';
    case 'RATE_LIMITED':
      return `rate limited by the server: try again ${retryAt(retryAfter)}`;
    case 'BLOCKED':
      return `blocked by the server after too many failed lookups from this address: try again ${retryAt(retryAfter)}`;
    case 'DUPLICATE_CONTENT':
      return `the server refused this content: it was uploaded too many times recently; try again ${retryAt(retryAfter)}`;
    case 'TOO_LARGE':
      return `too large: ${message || 'the content is larger than this server accepts'}`;
    case 'QUOTA_EXCEEDED': {
      const unit = body['quota'] === 'bytes' ? ' bytes' : body['quota'] === 'items' ? ' live items' : '';
      const usage = typeof body['used'] === 'number' && typeof body['limit'] === 'number' ? `${body['used']} of ${body['limit']}${unit} in use` : message;
      return `quota exceeded: ${usage}; delete some of your items (fpaste list, fpaste delete) or wait until they expire`;
    }
    case 'INTEGRITY_CHECK_FAILED': {
      const report = body['integrity_report'] as { expected?: unknown; detail?: unknown } | undefined;
      const detail = report && typeof report.detail === 'string' ? `: ${report.detail}` : '';
      return `integrity failure on the server: the stored content failed its check and was not served${detail}${ref}`;
    }
    case 'EMPTY':
      return 'nothing to send: the content is empty';
    case 'INVALID_EXPIRY':
      return 'the server refused the expiry (it must be a whole number of seconds ≥ 1)';
    case 'POW_REQUIRED':
    case 'POW_INVALID':
      return `proof of work rejected: ${message || code}`;
    case 'ENTROPY_TOO_LOW':
      return 'this server only accepts encrypted content: drop -E/--no-encrypt';
    case 'AUTH_REQUIRED':
      return `${message || 'this needs a client certificate'} (get one with: fpaste register --configure)`;
    case 'FORBIDDEN':
      return `forbidden: ${message || 'you do not own this item'}`;
    case 'CERT_REVOKED':
      return 'your client certificate has been revoked';
    case 'CERT_EXPIRED':
      return 'your client certificate has expired or is not valid yet';
    case 'CERT_UNTRUSTED':
      return 'the server does not trust your client certificate (not issued by its CA)';
    case 'TYPE_NOT_ALLOWED':
      return `the server does not accept this type of content: ${message}`;
    case 'INSUFFICIENT_STORAGE':
      return 'the server is low on disk space and accepts no new content right now';
    case 'BACKEND_UNAVAILABLE':
      return `the server's backend is unavailable; try again ${retryAt(retryAfter)}`;
    case 'CA_MISSING':
      return 'the server has no CA yet: an admin must create it first';
    case 'INVALID_CSR':
      return `the server rejected the certificate request: ${message}`;
    case 'INVALID_URL':
      return `the server refused the URL: ${message || 'not a valid http(s) URL'}`;
    case 'INTERNAL_ERROR':
      return `the server failed (${status})${ref}`;
    default:
      return `${message || `HTTP ${status}`} [${code}]${ref}`;
  }
}
