// Errors Node's HTTP parser raises before Fastify sees a request (oversized headers, conflicting
// Content-Length / Transfer-Encoding, timeouts): answered in the contract's JSON shape and closed.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { ERRORS } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { API_CSP } from './security-headers.js';

function codeFor(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'HPE_HEADERS_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'INVALID_REQUEST';
}

export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code = codeFor(error);
  const { status, message } = ERRORS[code];
  const requestId = randomUUID();
  const body = JSON.stringify({ error_code: code, message, request_id: requestId });
  const reason = code === 'HEADERS_TOO_LARGE' ? 'Request Header Fields Too Large' : code === 'REQUEST_TIMEOUT' ? 'Request Timeout' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n' +
      `X-Request-ID: ${requestId}\r\n` +
      'Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\nPragma: no-cache\r\nExpires: 0\r\n' +
      'X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nX-XSS-Protection: 1; mode=block\r\nReferrer-Policy: no-referrer\r\n' +
      `Content-Security-Policy: ${API_CSP}\r\n\r\n${body}`,
  );
}
