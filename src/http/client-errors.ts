// Errors Node's HTTP parser raises before Fastify sees a request (oversized headers, conflicting
// Content-Length / Transfer-Encoding, timeouts): answered in the contract's JSON shape and closed.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { ERRORS } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { securityHeaders } from './security-headers.js';

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
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    'x-request-id': requestId,
    // The same security headers as every other response: a parser error is still a page a browser may render.
    ...securityHeaders(socket instanceof TLSSocket),
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head}\r\n${body}`);
}
