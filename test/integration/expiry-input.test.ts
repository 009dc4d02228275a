// X-Expiry and X-Burn-After-Read on create: strict parsing (400 INVALID_EXPIRY / INVALID_REQUEST),
// clamping to SEALBIN_MAX_EXPIRY, SEALBIN_DEFAULT_EXPIRY when absent, "never" with 0/0, and an
// expired item really is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import type { Created } from '../helpers/http.js';
import { createPaste, rawHttp, uploadFile } from '../helpers/http.js';
import { expectError } from '../helpers/contract.js';
import { parseRawResponse } from '../helpers/assertions.js';
import { unixSeconds, waitFor } from '../helpers/wait.js';

const DEFAULT_EXPIRY = 600;
const MAX_EXPIRY = 3600;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_DEFAULT_EXPIRY: String(DEFAULT_EXPIRY), SEALBIN_MAX_EXPIRY: String(MAX_EXPIRY) } });
});
afterAll(async () => {
  await server.dispose();
});

function lifetime(created: Created): number | null {
  return created.expires_at === null ? null : created.expires_at - created.created_at;
}

/** Counted from the creation time rounded up to a whole second: the asked value, or one more. */
function expectLifetime(created: Created, asked: number): void {
  expect([asked, asked + 1]).toContain(lifetime(created));
}

describe('X-Expiry', () => {
  const INVALID = ['-1', 'NaN', '1e309', '1e3', '1.5', '0', '00', '', 'abc', '+5', '0x10', '5s', '5 5', 'Infinity', '-0'];

  it.each(INVALID)('%j → 400 INVALID_EXPIRY on POST / and /upload', async (value) => {
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: 'content', headers: { 'X-Expiry': value } }), 400, 'INVALID_EXPIRY');
    const form = new FormData();
    form.append('file', new Blob(['content']), 'a.txt');
    await expectError(await fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: { 'X-Expiry': value } }), 400, 'INVALID_EXPIRY');
  });

  it('whitespace inside the value or non-ASCII digits (sent raw) are refused', async () => {
    for (const value of ['5\t5', '1 0', '١٢', '５']) {
      const raw = await rawHttp(server.url, `POST / HTTP/1.1\r\nHost: localhost\r\nX-Expiry: ${value}\r\nContent-Length: 1\r\nConnection: close\r\n\r\na`);
      const response = parseRawResponse(raw);
      expect(response.status).toBe(400);
      expect((JSON.parse(response.text) as { error_code: string }).error_code).toBe('INVALID_EXPIRY');
    }
  });

  it('" 5": leading whitespace is optional whitespace in HTTP/1.1 (RFC 9110 §5.5), so it arrives as "5"', async () => {
    // fetch trims header values and Node's parser strips OWS, so " 5" can only ever be seen as "5".
    const raw = await rawHttp(server.url, `POST / HTTP/1.1\r\nHost: localhost\r\nX-Expiry:  5\r\nContent-Length: 1\r\nConnection: close\r\n\r\na`);
    const response = parseRawResponse(raw);
    expect(response.status).toBe(201);
    expectLifetime(JSON.parse(response.text) as Created, 5);
  });

  it('two X-Expiry headers are refused, not merged', async () => {
    const raw = await rawHttp(server.url, `POST / HTTP/1.1\r\nHost: localhost\r\nX-Expiry: 5\r\nX-Expiry: 6\r\nContent-Length: 1\r\nConnection: close\r\n\r\na`);
    const response = parseRawResponse(raw);
    expect(response.status).toBe(400);
    expect(['INVALID_EXPIRY', 'INVALID_REQUEST']).toContain((JSON.parse(response.text) as { error_code: string }).error_code);
  });

  it('a valid value sets expires_at = created_at + value (+1 for the rounded-up second)', async () => {
    expectLifetime(await createPaste(server.url, 'one', { 'X-Expiry': '1' }), 1);
    expectLifetime(await createPaste(server.url, 'hour', { 'X-Expiry': String(MAX_EXPIRY) }), MAX_EXPIRY);
    expectLifetime(await createPaste(server.url, 'padded', { 'X-Expiry': '0060' }), 60);
    expectLifetime(await uploadFile(server.url, 'file', 'f.txt', { 'X-Expiry': '120' }), 120);
  });

  it('a value above SEALBIN_MAX_EXPIRY is clamped to it, however large', async () => {
    for (const value of [String(MAX_EXPIRY + 1), '99999999999999999999', '1'.padEnd(40, '0')]) {
      const response = await fetch(`${server.url}/`, { method: 'POST', body: 'clamped', headers: { 'X-Expiry': value } });
      const text = await response.text();
      expect(response.status, `${value}: ${text}`).toBe(201);
      expectLifetime(JSON.parse(text) as Created, MAX_EXPIRY);
    }
  });

  it('absent → SEALBIN_DEFAULT_EXPIRY', async () => {
    expectLifetime(await createPaste(server.url, 'default'), DEFAULT_EXPIRY);
    expectLifetime(await uploadFile(server.url, 'default', 'd.txt'), DEFAULT_EXPIRY);
  });

  it('an expired item is gone: readable before expires_at, then 404 on every read path', async () => {
    // Whole-second clocks: X-Expiry: N lives between N-1 and N seconds. 3 leaves a busy machine at
    // least 2 s to read it back before it expires.
    const paste = await createPaste(server.url, 'short-lived', { 'X-Expiry': '3' });
    const file = await uploadFile(server.url, 'short-lived file', 's.txt', { 'X-Expiry': '3' });
    expect((await fetch(paste.url)).status).toBe(200);
    expect((await fetch(`${server.url}/status/${file.key as string}`)).status).toBe(200);
    await waitFor(async () => (await fetch(paste.url)).status === 404, 'the paste to expire');
    // Not early: it went only once its expiry second had come.
    expect(unixSeconds()).toBeGreaterThanOrEqual(paste.expires_at as number);
    await waitFor(async () => (await fetch(`${server.url}/status/${file.key as string}`)).status === 404, 'the file share to expire');
    await expectError(await fetch(paste.url), 404, 'NOT_FOUND');
    await expectError(await fetch(paste.raw), 404, 'NOT_FOUND');
    expect((await fetch(paste.raw, { method: 'HEAD' })).status).toBe(404);
    await expectError(await fetch(paste.url, { method: 'DELETE', headers: { 'X-Delete-Token': paste.delete_token as string } }), 404, 'NOT_FOUND');
    for (const route of ['download', 'preview', 'status']) await expectError(await fetch(`${server.url}/${route}/${file.key as string}`), 404, 'NOT_FOUND');
    await expectError(await fetch(file.raw), 404, 'NOT_FOUND');
  });
});

describe('X-Burn-After-Read', () => {
  it.each(['yes', '2', 'on', 'TRUE!', 'burn', '', '1 1', '-1'])('%j → 400 INVALID_REQUEST', async (value) => {
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: 'content', headers: { 'X-Burn-After-Read': value } }), 400, 'INVALID_REQUEST');
    const form = new FormData();
    form.append('file', new Blob(['content']), 'a.txt');
    await expectError(await fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: { 'X-Burn-After-Read': value } }), 400, 'INVALID_REQUEST');
  });

  it('1 and true are accepted (baseline)', async () => {
    expect((await createPaste(server.url, 'burn me', { 'X-Burn-After-Read': '1' })).burn_after_read).toBe(true);
    expect((await createPaste(server.url, 'burn me too', { 'X-Burn-After-Read': 'true' })).burn_after_read).toBe(true);
  });
});

describe('SEALBIN_DEFAULT_EXPIRY=0 and SEALBIN_MAX_EXPIRY=0 (never)', () => {
  let never: RunningServer;
  beforeAll(async () => {
    never = await startServer({ env: { SEALBIN_DEFAULT_EXPIRY: '0', SEALBIN_MAX_EXPIRY: '0' } });
  });
  afterAll(async () => {
    await never.dispose();
  });

  it('without X-Expiry, expires_at is null (in the 201, the metadata and /status)', async () => {
    const paste = await createPaste(never.url, 'forever');
    expect(paste.expires_at).toBeNull();
    expect(((await (await fetch(paste.url)).json()) as Created).expires_at).toBeNull();
    const file = await uploadFile(never.url, 'forever file', 'f.txt');
    expect(file.expires_at).toBeNull();
    expect(((await (await fetch(`${never.url}/status/${file.key as string}`)).json()) as Created).expires_at).toBeNull();
  });

  it('an explicit X-Expiry still applies, a huge one stays a representable time, a bad one is still 400', async () => {
    expectLifetime(await createPaste(never.url, 'an hour', { 'X-Expiry': '3600' }), 3600);
    const huge = await createPaste(never.url, 'far', { 'X-Expiry': '99999999999999999999' });
    expect(huge.expires_at).not.toBeNull();
    expect(Number.isSafeInteger(huge.expires_at)).toBe(true);
    expect(huge.expires_at as number).toBeGreaterThan(huge.created_at + 50 * 365 * 86400);
    expect((await fetch(huge.url)).status).toBe(200);
    await expectError(await fetch(`${never.url}/`, { method: 'POST', body: 'x', headers: { 'X-Expiry': '0' } }), 400, 'INVALID_EXPIRY');
  });
});
