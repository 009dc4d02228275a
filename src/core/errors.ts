// The one catalogue of error codes. The HTTP layer maps AppError to the JSON error shape of the
// contract; docs/errors.md lists exactly these (a test keeps the two equal). Codes are never reused.

export const ERRORS = {
  NOT_FOUND: { status: 404, message: 'No such item (it may have expired, been burned or deleted).' },
  EMPTY: { status: 400, message: 'The request has no content.' },
  TOO_LARGE: { status: 413, message: 'The content is larger than this server accepts.' },
  QUOTA_EXCEEDED: { status: 413, message: 'This would take you past your storage quota (live items or bytes); delete some or wait until they expire.' },
  INVALID_EXPIRY: { status: 400, message: 'X-Expiry must be a whole number of seconds, at least 1.' },
  INVALID_REQUEST: { status: 400, message: 'The request is malformed.' },
  INVALID_JSON: { status: 400, message: 'The JSON body is malformed.' },
  INVALID_MULTIPART: { status: 400, message: 'The multipart body is malformed or has no "file" field.' },
  POW_REQUIRED: { status: 400, message: 'This needs a proof of work: GET /challenge, solve it, send X-PoW-Token and X-PoW-Solution.' },
  POW_INVALID: { status: 400, message: 'The proof of work was rejected; fetch a new challenge.' },
  ENTROPY_TOO_LOW: { status: 400, message: 'The content looks like plain text; this server only accepts encrypted uploads.' },
  INVALID_URL: { status: 400, message: 'The URL cannot be shortened (only http/https with a host, no credentials or line breaks, at most 2048 bytes).' },
  INVALID_CSR: { status: 400, message: 'The certificate signing request is malformed or its signature does not verify.' },
  AUTH_REQUIRED: { status: 401, message: 'This needs a client certificate or a delete token.' },
  CERT_REVOKED: { status: 401, message: 'The client certificate has been revoked.' },
  CERT_EXPIRED: { status: 401, message: 'The client certificate has expired or is not valid yet.' },
  CERT_UNTRUSTED: { status: 401, message: 'The client certificate was not issued by a CA this server trusts.' },
  FORBIDDEN: { status: 403, message: 'You do not own this item.' },
  CA_EXISTS: { status: 409, message: 'A CA already exists.' },
  OFFSET_MISMATCH: { status: 409, message: 'Upload-Offset does not match the bytes stored so far; ask with HEAD and resume from there.' },
  CA_MISSING: { status: 409, message: 'No CA exists yet; an admin must create it first (POST /pki/ca).' },
  UPLOAD_LOCKED: { status: 423, message: 'Another request for this upload is in progress; retry shortly.' },
  TUS_VERSION_UNSUPPORTED: { status: 412, message: 'Tus-Resumable must be 1.0.0, the only tus version this server speaks.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  TYPE_NOT_ALLOWED: { status: 415, message: 'This type of content is not accepted here.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This endpoint does not read a body of this Content-Type.' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested range is outside the content.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in Retry-After.' },
  BLOCKED: { status: 429, message: 'Too many failed lookups from your address; blocked for a while.' },
  DUPLICATE_CONTENT: { status: 429, message: 'This exact content was uploaded too many times recently.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  INTEGRITY_CHECK_FAILED: { status: 500, message: 'The stored content failed its integrity check and was not served.' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on the server.' },
  BACKEND_UNAVAILABLE: { status: 503, message: 'A backend this server needs is unreachable; try again later.' },
  DATABASE_BUSY: { status: 503, message: 'The database is locked by another process; try again after the time in Retry-After.' },
  SHUTTING_DOWN: { status: 503, message: 'This server is shutting down; retry after the time in Retry-After.' },
  INSUFFICIENT_STORAGE: { status: 507, message: 'The server is out of storage space; try again after the time in Retry-After.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A failure the client may be told about: a code of the catalogue plus optional extra JSON fields. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
  }
}

/** Integrity failure details, sent as `integrity_report`. */
export interface IntegrityReport {
  expected: string;
  /** SHA-256 of what was decrypted, or null when decryption itself failed authentication. */
  actual: string | null;
  detail: string;
}

export class IntegrityError extends AppError {
  constructor(readonly report: IntegrityReport) {
    super('INTEGRITY_CHECK_FAILED', undefined, { integrity_report: report });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
