// Non-ASCII file names in headers: RFC 8187 `X-Filename*`, percent-encoded UTF-8 in `X-Filename`
// and raw UTF-8 bytes all store the intended Unicode name (it used to become mojibake), which is
// then sanitised as always; a malformed `X-Filename*` is 400 INVALID_REQUEST.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import type { Created } from '../helpers/http.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

const NAME = 'grüße.txt';
const ENCODED = 'gr%C3%BC%C3%9Fe.txt';

/** Node writes header strings as Latin-1, so a string of Latin-1 code units goes out as those exact bytes. */
function rawBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function post(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  // A Buffer, not a string: Node would write the headers in the string body's encoding (UTF-8).
  const payload = Buffer.from('file name test');
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': String(payload.length), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

async function created(path: string, headers: Record<string, string>): Promise<Created> {
  const response = await post(path, headers);
  expect(response.status, response.body).toBe(201);
  return JSON.parse(response.body) as Created;
}

describe('X-Filename and X-Filename* with non-ASCII names', () => {
  it.each([
    ['X-Filename*', { 'X-Filename*': `UTF-8''${ENCODED}` }],
    ['X-Filename* (lower-case charset, a language tag)', { 'X-Filename*': `utf-8'de'${ENCODED}` }],
    ['percent-encoded X-Filename', { 'X-Filename': ENCODED }],
    ['raw UTF-8 bytes in X-Filename', { 'X-Filename': rawBytes(NAME) }],
    ['X-Filename* wins over X-Filename', { 'X-Filename*': `UTF-8''${ENCODED}`, 'X-Filename': 'fallback.txt' }],
  ])('%s: the stored and served name is the intended Unicode', async (_what, headers) => {
    for (const path of ['/', '/upload']) {
      const item = await created(path, headers);
      expect(item.filename, path).toBe(NAME);
      const metadata = (await (await fetch(item.url)).json()) as { filename: string };
      expect(metadata.filename, `metadata ${path}`).toBe(NAME);
      const raw = await fetch(item.raw);
      expect(raw.headers.get('content-disposition')).toContain(`filename*=UTF-8''${ENCODED}`);
      await raw.arrayBuffer();
    }
  });

  it('a decoded name is sanitised like any other (path, bidi override, C1 control)', async () => {
    const item = await created('/', { 'X-Filename*': "UTF-8''..%2F..%2Fetc%2Finvoice%E2%80%AEfdp%C2%85.exe" });
    expect(item.filename).toBe('invoicefdp.exe');
  });

  it('names that are not encodings stay as they came: a literal %, a Latin-1 byte', async () => {
    expect((await created('/', { 'X-Filename': '100%.txt' })).filename).toBe('100%.txt');
    expect((await created('/', { 'X-Filename': 'caf\u00e9.txt' })).filename).toBe('café.txt');
  });

  it.each([`UTF-8''%ZZ.txt`, `ISO-8859-1''caf%E9.txt`, 'no-quotes.txt', `UTF-8''%C3.txt`])('a malformed X-Filename* (%s) → 400 INVALID_REQUEST', async (value) => {
    const response = await post('/', { 'X-Filename*': value });
    expect(response.status).toBe(400);
    expect((JSON.parse(response.body) as { error_code: string }).error_code).toBe('INVALID_REQUEST');
  });
});
