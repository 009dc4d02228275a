// Assertions for the contract's conventions: the JSON error shape, X-Request-ID and the security headers.
import { expect } from 'vitest';
import { FIXED_SECURITY_HEADERS } from './assertions.js';

export interface ErrorBody {
  error_code: string;
  message: string;
  request_id: string;
  [extra: string]: unknown;
}

/** The fixed header values are written down once, in assertions.ts. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = FIXED_SECURITY_HEADERS;

/** Header lookup over either a fetch Headers object or a plain lower-cased record. */
type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Every response: a sane X-Request-ID and the fixed security headers with an API CSP. */
export function expectSecurityHeaders(headers: HeaderSource): void {
  expect(header(headers, 'x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(header(headers, name), name).toBe(value);
  const csp = header(headers, 'content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
}

/** Checks status, content type and the {error_code, message, request_id} shape of an error. */
export function expectErrorParts(status: number, headers: HeaderSource, bodyText: string, expectedStatus: number, expectedCode: string): ErrorBody {
  expect(status, `status (body: ${bodyText.slice(0, 300)})`).not.toBe(500);
  expect(status, `status (body: ${bodyText.slice(0, 300)})`).toBe(expectedStatus);
  expect(header(headers, 'content-type')).toBe('application/json; charset=utf-8');
  let body: ErrorBody;
  try {
    body = JSON.parse(bodyText) as ErrorBody;
  } catch {
    throw new Error(`error body is not JSON: ${bodyText.slice(0, 300)}`);
  }
  expect(body.error_code).toBe(expectedCode);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(typeof body.request_id).toBe('string');
  expect(body.request_id).toBe(header(headers, 'x-request-id'));
  // Never a stack trace or an HTML page.
  expect(bodyText).not.toMatch(/\n\s+at |<html/i);
  expectSecurityHeaders(headers);
  return body;
}

/** The same for a fetch Response (consumes its body). */
export async function expectError(response: Response, expectedStatus: number, expectedCode: string): Promise<ErrorBody> {
  return expectErrorParts(response.status, response.headers, await response.text(), expectedStatus, expectedCode);
}
