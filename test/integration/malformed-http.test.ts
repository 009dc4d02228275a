// Requests Node's HTTP parser rejects before any route runs (oversized headers, request smuggling
// shapes, garbage): answered in the contract's JSON error shape with X-Request-ID and the security
// headers, never a bare "400 Bad Request" and never a 500; the server keeps serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, rawHttp } from '../helpers/http.js';
import { expectErrorParts } from '../helpers/contract.js';
import { blobFiles, tmpFiles } from '../helpers/data-dir.js';
import { parseRawResponse } from '../helpers/assertions.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

async function raw(payload: string) {
  const text = await rawHttp(server.url, payload);
  return { text, response: parseRawResponse(text) };
}

/** Exactly one response came back (nothing smuggled behind it). */
function responseCount(text: string): number {
  return text.match(/HTTP\/1\.1 \d{3} /g)?.length ?? 0;
}

describe('oversized headers', () => {
  it('a 20 KB header → 431 HEADERS_TOO_LARGE', async () => {
    const { response } = await raw(`GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    expectErrorParts(response.status, response.headers, response.text, 431, 'HEADERS_TOO_LARGE');
  });

  it('many small headers adding up → 431 HEADERS_TOO_LARGE', async () => {
    const headers = Array.from({ length: 400 }, (_, index) => `X-H${index}: ${'v'.repeat(60)}`).join('\r\n');
    const { response } = await raw(`POST / HTTP/1.1\r\nHost: localhost\r\n${headers}\r\nContent-Length: 1\r\n\r\na`);
    expectErrorParts(response.status, response.headers, response.text, 431, 'HEADERS_TOO_LARGE');
  });

  it('a 20 KB request target → 431 HEADERS_TOO_LARGE', async () => {
    const { response } = await raw(`GET /${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expectErrorParts(response.status, response.headers, response.text, 431, 'HEADERS_TOO_LARGE');
  });
});

describe('ambiguous message framing (request smuggling)', () => {
  it('Content-Length together with Transfer-Encoding: chunked → 400 JSON', async () => {
    const { text, response } = await raw(
      'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n',
    );
    expectErrorParts(response.status, response.headers, response.text, 400, 'INVALID_REQUEST');
    expect(responseCount(text)).toBe(1);
    expect(response.headers['connection']).toBe('close');
  });

  it('two different Content-Length headers → 400 JSON', async () => {
    const { text, response } = await raw('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 11\r\n\r\nhello world');
    expectErrorParts(response.status, response.headers, response.text, 400, 'INVALID_REQUEST');
    expect(responseCount(text)).toBe(1);
  });

  it('a Content-Length list or a non-numeric value → 400 JSON', async () => {
    for (const value of ['5, 6', '5x', '-5', '0x10']) {
      const { response } = await raw(`POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${value}\r\n\r\nhello`);
      expectErrorParts(response.status, response.headers, response.text, 400, 'INVALID_REQUEST');
    }
  });

  it('an obfuscated Transfer-Encoding → 400 JSON', async () => {
    for (const te of ['chunked, identity', 'xchunked', 'chunked\r\nTransfer-Encoding: chunked']) {
      const { response } = await raw(`POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: ${te}\r\nContent-Length: 5\r\n\r\nhello`);
      expectErrorParts(response.status, response.headers, response.text, 400, 'INVALID_REQUEST');
    }
  });

  it('an invalid chunk size → 400 JSON', async () => {
    const { response } = await raw('POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
    expectErrorParts(response.status, response.headers, response.text, 400, 'INVALID_REQUEST');
  });
});

describe('garbage', () => {
  it.each([
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n'],
    ['a space in a header name', 'GET / HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n'],
    ['a bare LF inside a header value', 'GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\n\r\n'],
    ['a NUL in the request target', 'GET /\u0000 HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['an unknown HTTP version', 'GET / HTTP/9.9\r\nHost: localhost\r\n\r\n'],
  ])('%s → 400 JSON', async (_name, payload) => {
    const { response } = await raw(payload);
    expectErrorParts(response.status, response.headers, response.text, 400, 'INVALID_REQUEST');
  });
});

describe('after all of that', () => {
  it('nothing was stored and the server still works', async () => {
    expect(blobFiles(server.dataDir)).toEqual([]);
    expect(tmpFiles(server.dataDir)).toEqual([]);
    const created = await createPaste(server.url, 'still serving');
    expect(await (await fetch(created.raw)).text()).toBe('still serving');
  });
});
