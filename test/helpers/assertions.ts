// Assertions shared by the black-box suites: the contract's security headers and JSON error shape,
// plus a small parser for responses read off a raw socket (rawHttp).
import { createHash } from 'node:crypto';
import { expect } from 'vitest';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
export const CONTENT_CSP = `${API_CSP}; sandbox`;

export const FIXED_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export type HeaderBag = Headers | Record<string, string | undefined>;

export function header(headers: HeaderBag, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  return headers[name.toLowerCase()] ?? null;
}

/**
 * The contract's security headers with exact values. `csp` is the expected policy: API_CSP for API
 * and error responses, CONTENT_CSP for user content.
 */
export function expectSecurityHeaders(headers: HeaderBag, csp: string = API_CSP, what = 'response'): void {
  for (const [name, value] of Object.entries(FIXED_SECURITY_HEADERS)) {
    expect(header(headers, name), `${what}: ${name}`).toBe(value);
  }
  expect(header(headers, 'content-security-policy'), `${what}: content-security-policy`).toBe(csp);
  const requestId = header(headers, 'x-request-id');
  expect(requestId, `${what}: x-request-id`).not.toBeNull();
  expect(requestId ?? '', `${what}: x-request-id is sane`).toMatch(SANE_REQUEST_ID);
}

export interface ErrorJson {
  error_code: string;
  message: string;
  request_id: string;
  [extra: string]: unknown;
}

/** Checks an error body parsed from text: the contract's JSON shape, no stack trace, no HTML. */
export function expectErrorBody(text: string, headers: HeaderBag, code?: string): ErrorJson {
  expect(header(headers, 'content-type')).toBe('application/json; charset=utf-8');
  expect(text).not.toMatch(/<html|<!doctype/i);
  expect(text).not.toMatch(/\bat \S+ \(|node:internal|\.ts:\d+|\.js:\d+/);
  const body = JSON.parse(text) as ErrorJson;
  expect(body.error_code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  if (code !== undefined) expect(body.error_code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(body.request_id).toBe(header(headers, 'x-request-id'));
  expect(body).not.toHaveProperty('stack');
  return body;
}

/** Reads a fetch Response as a contract error with the given status (and code, if given). */
export async function expectError(response: Response, status: number, code?: string): Promise<ErrorJson> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return expectErrorBody(text, response.headers, code);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

/** Parses what rawHttp returned (latin1 string) into status, lowercased headers and a de-chunked body. */
export function parseRawResponse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head in: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match?.[1]) throw new Error(`bad status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body: Buffer = Buffer.from(raw.slice(end + 4), 'latin1');
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status: Number(match[1]), headers, body, text: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function sha256(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function bodyBytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}
