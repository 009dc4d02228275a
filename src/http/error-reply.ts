// The contract's JSON error shape, for every failure: ours, Fastify's, and the parser's.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorJson } from '../api/error.js';
import { AppError, ERRORS } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { API_CSP } from './security-headers.js';
import { FAULT_RETRY_AFTER, storageFault } from './storage-faults.js';

/** The wire shape (src/api/error.ts), narrowed to the catalogue's codes. */
export type ErrorBody = ErrorJson & { error_code: ErrorCode };

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return { ...error.extra, error_code: error.code, message: error.message, request_id: requestId };
}

/** Maps Fastify's and the HTTP parser's own errors to catalogue codes; anything unknown is INTERNAL_ERROR. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // A full disk or a locked database is the server's state, not a bug: say so (never a bare 500).
  const fault = storageFault(error);
  if (fault === 'disk') return new AppError('INSUFFICIENT_STORAGE', undefined, { retry_after: FAULT_RETRY_AFTER.disk });
  if (fault === 'database') return new AppError('DATABASE_BUSY', undefined, { retry_after: FAULT_RETRY_AFTER.database });
  if (fault === 'unreachable') return new AppError('BACKEND_UNAVAILABLE', undefined, { retry_after: FAULT_RETRY_AFTER.unreachable });
  // A rejection with null or undefined (`throw undefined` in a dependency) is unknown too, not a TypeError here.
  const fastifyError = (error ?? {}) as Partial<FastifyError> & { validation?: unknown };
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('TOO_LARGE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('EMPTY');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Fastify's own JSON parser (routes other than creation: /s, /register, /pki/*), which also
      // refuses __proto__ and constructor keys (prototype poisoning).
      return new AppError('INVALID_JSON', 'The JSON body is malformed or has forbidden keys (__proto__, constructor).');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('INVALID_REQUEST', 'The body does not match its Content-Length.');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new AppError('NOT_FOUND');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return new AppError('INVALID_MULTIPART');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('INVALID_REQUEST', 'Unsupported Content-Type for this endpoint.');
    default:
      break;
  }
  if (fastifyError.validation) return new AppError('INVALID_REQUEST', fastifyError.message);
  // Errors Fastify marks as client errors (4xx) keep their meaning without leaking internals.
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    if (fastifyError.statusCode === 413) return new AppError('TOO_LARGE');
    if (fastifyError.statusCode === 404) return new AppError('NOT_FOUND');
    return new AppError('INVALID_REQUEST');
  }
  return new AppError('INTERNAL_ERROR');
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  // Content headers from a half-prepared content reply must not describe the error body
  // (except Content-Range on a 416, which tells the client the real size).
  for (const name of ['content-disposition', 'etag', 'x-content-sha256', 'accept-ranges', 'content-length']) reply.removeHeader(name);
  if (error.code !== 'RANGE_NOT_SATISFIABLE') reply.removeHeader('content-range');
  reply.header('content-security-policy', API_CSP);
  const retryAfter = error.extra['retry_after'];
  if (typeof retryAfter === 'number' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfter));
  return reply.code(ERRORS[error.code].status).type('application/json; charset=utf-8').send(errorBody(error, request.id));
}
