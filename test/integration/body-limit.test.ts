// Oversized bodies: refused with 413 TOO_LARGE by declared length, while streaming (chunked) and inside
// multipart, without storing anything; exactly SEALBIN_MAX_SIZE bytes is still accepted.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, rawHttp, streamUpload } from '../helpers/http.js';
import { expectError, expectErrorParts } from '../helpers/contract.js';
import { blobFiles, tmpFiles } from '../helpers/data-dir.js';
import { filePart, multipartBody, multipartType } from '../helpers/multipart.js';
import { parseRawResponse } from '../helpers/assertions.js';
import { send } from '../helpers/send.js';

// Larger than the 64 KiB kept inline with the metadata, so anything accepted would leave a blob file.
const LIMIT = 1024 * 1024;

let server: RunningServer;
let blobsBefore: string[];

beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_MAX_SIZE: '1MiB' } });
});
afterAll(async () => {
  await server.dispose();
});
beforeEach(() => {
  blobsBefore = blobFiles(server.dataDir);
});

/** After a refusal: no new blob, nothing left in blobs/tmp, and the server still stores a valid paste. */
async function expectNothingStored(): Promise<void> {
  expect(tmpFiles(server.dataDir)).toEqual([]);
  expect(blobFiles(server.dataDir)).toEqual(blobsBefore);
  const created = await createPaste(server.url, 'still works after a refusal');
  expect((await fetch(created.raw)).status).toBe(200);
}

function rawPost(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: 'localhost', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

describe('declared Content-Length over SEALBIN_MAX_SIZE', () => {
  it('is refused from the headers alone for a raw body (no body byte is sent)', async () => {
    // Only headers go out: a server that waited for the body would let rawHttp time out with nothing.
    const raw = await rawHttp(server.url, rawPost('/', { 'Content-Type': 'application/octet-stream', 'Content-Length': 50 * LIMIT }), 8000);
    const response = parseRawResponse(raw);
    expectErrorParts(response.status, response.headers, response.text, 413, 'TOO_LARGE');
    await expectNothingStored();
  });

  it('is refused from the headers alone for multipart and JSON bodies, on / and /upload', async () => {
    for (const [path, type] of [
      ['/', `multipart/form-data; boundary=x`],
      ['/upload', `multipart/form-data; boundary=x`],
      ['/', 'application/json'],
      ['/upload', 'application/octet-stream'],
    ] as const) {
      const raw = await rawHttp(server.url, rawPost(path, { 'Content-Type': type, 'Content-Length': 100 * LIMIT }), 8000);
      const response = parseRawResponse(raw);
      expectErrorParts(response.status, response.headers, response.text, 413, 'TOO_LARGE');
    }
    await expectNothingStored();
  });

  it('accepts exactly SEALBIN_MAX_SIZE bytes and refuses one byte more', async () => {
    const exact = Buffer.alloc(LIMIT, 0x62);
    const created = await createPaste(server.url, exact, { 'Content-Type': 'application/octet-stream' });
    expect(created.size).toBe(LIMIT);
    expect(created.sha256).toBe(createHash('sha256').update(exact).digest('hex'));
    const raw = await fetch(created.raw);
    expect(Buffer.from(await raw.arrayBuffer()).equals(exact)).toBe(true);

    blobsBefore = blobFiles(server.dataDir);
    const over = await send(server.url, '/', { body: Buffer.alloc(LIMIT + 1, 0x62), headers: { 'Content-Type': 'application/octet-stream' } });
    expectErrorParts(over.status, over.headers, over.body, 413, 'TOO_LARGE');
    await expectNothingStored();
  });
});

describe('chunked bodies without Content-Length', () => {
  it('are refused as soon as the streamed content passes the limit', async () => {
    const result = await streamUpload(server.url, '/', 8 * LIMIT, { 'Content-Type': 'application/octet-stream' });
    expect(result.status).toBe(413);
    const body = JSON.parse(result.body) as Record<string, unknown>;
    expect(body['error_code']).toBe('TOO_LARGE');
    expect(body['request_id']).toBeTypeOf('string');
    expect(body['message']).toBeTypeOf('string');
    await expectNothingStored();
  });

  it('accept exactly the limit and refuse limit + 1 (POST / and /upload)', async () => {
    const exact = await streamUpload(server.url, '/', LIMIT, { 'Content-Type': 'application/octet-stream' });
    expect(exact.status).toBe(201);
    expect((JSON.parse(exact.body) as { size: number }).size).toBe(LIMIT);

    blobsBefore = blobFiles(server.dataDir);
    const over = await send(server.url, '/', { chunks: [Buffer.alloc(LIMIT / 2, 0x61), Buffer.alloc(LIMIT / 2 + 1, 0x61)], headers: { 'Content-Type': 'application/octet-stream' } });
    expectErrorParts(over.status, over.headers, over.body, 413, 'TOO_LARGE');
    await expectNothingStored();
  });

  it('inside a chunked multipart body are refused too', async () => {
    const body = multipartBody([filePart(Buffer.alloc(2 * LIMIT, 0x63), 'big.bin')]);
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += 64 * 1024) chunks.push(body.subarray(offset, offset + 64 * 1024));
    const result = await send(server.url, '/upload', { chunks, headers: { 'Content-Type': multipartType() } });
    expectErrorParts(result.status, result.headers, result.body, 413, 'TOO_LARGE');
    await expectNothingStored();
  });
});

describe('multipart file over the limit', () => {
  it('is refused with 413 even when the declared length fits the multipart allowance', async () => {
    for (const path of ['/', '/upload']) {
      const body = multipartBody([filePart(Buffer.alloc(LIMIT + 1, 0x63), 'big.bin')]);
      const result = await send(server.url, path, { body, headers: { 'Content-Type': multipartType() } });
      expectErrorParts(result.status, result.headers, result.body, 413, 'TOO_LARGE');
      await expectNothingStored();
    }
  });

  it('accepts a file of exactly the limit and refuses limit + 1 via FormData', async () => {
    const exact = new FormData();
    exact.append('file', new Blob([Buffer.alloc(LIMIT, 0x64)]), 'exact.bin');
    const ok = await fetch(`${server.url}/upload`, { method: 'POST', body: exact });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { size: number }).size).toBe(LIMIT);

    blobsBefore = blobFiles(server.dataDir);
    const over = new FormData();
    over.append('file', new Blob([Buffer.alloc(LIMIT + 1, 0x64)]), 'over.bin');
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: over }), 413, 'TOO_LARGE');
    await expectNothingStored();
  });
});

describe('JSON content over the limit', () => {
  it('is refused with 413 and stores nothing', async () => {
    const content = 'x'.repeat(LIMIT + 1);
    const response = await fetch(`${server.url}/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ content }) });
    await expectError(response, 413, 'TOO_LARGE');
    await expectNothingStored();
  });
});
