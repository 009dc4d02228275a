// Parser-level errors (431, 408, 400) are written straight to the socket: they must carry the same
// security headers as every Fastify reply, taken from the one function, and the contract's JSON body.
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { handleClientError } from '../../../src/http/client-errors.js';
import { securityHeaders } from '../../../src/http/security-headers.js';
import { expectErrorBody, expectSecurityHeaders, parseRawResponse } from '../../helpers/assertions.js';

/** A socket stand-in that records what the handler writes. */
function recordingSocket(): { socket: Socket; written: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { socket: sink as unknown as Socket, written: () => text };
}

function parserError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`parser: ${code}`), { code });
}

describe('handleClientError', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
    ['HPE_HEADERS_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'INVALID_REQUEST'],
    ['HPE_INVALID_METHOD', 400, 'INVALID_REQUEST'],
  ])('%s → %i %s with every security header', (errorCode, status, code) => {
    const { socket, written } = recordingSocket();
    handleClientError(parserError(errorCode), socket);
    const response = parseRawResponse(written());
    expect(response.status).toBe(status);
    expectSecurityHeaders(response.headers, undefined, errorCode);
    expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
    // Exactly the set the Fastify replies get (plain HTTP: no HSTS).
    for (const [name, value] of Object.entries(securityHeaders(false))) expect(response.headers[name], name).toBe(value);
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(response.headers['connection']).toBe('close');
    expectErrorBody(response.text, response.headers, code);
  });

  it('a connection reset gets no answer, only a destroyed socket', () => {
    const { socket, written } = recordingSocket();
    handleClientError(parserError('ECONNRESET'), socket);
    expect(written()).toBe('');
    expect(socket.destroyed).toBe(true);
  });
});
