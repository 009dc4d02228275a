// Black-box helpers for the abuse-prevention suites: one request per fresh connection (so a test can
// choose the TCP peer address with localAddress), PoW solving, and the contract's error shape.
import { request as httpRequest } from 'node:http';
import { expect } from 'vitest';
import { solve } from '../../src/security/pow.js';
import type { RunningServer } from './server.js';
import { sleep } from './wait.js';

export { sleep };

export interface HitOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Local address to connect from (127.0.0.0/8 is all loopback on Linux): the peer the server sees. */
  localAddress?: string;
}

export interface Hit {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  header(name: string): string | undefined;
  json(): Record<string, unknown>;
}

/** One HTTP request on its own connection (no keep-alive pool, so localAddress always applies). */
export function hit(base: string, path: string, options: HitOptions = {}): Promise<Hit> {
  const url = new URL(path, `${base}/`);
  return new Promise<Hit>((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = response.headers;
          resolve({
            status: response.statusCode ?? 0,
            headers,
            text,
            header: (name) => {
              const value = headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

export interface ChallengeJson {
  enabled: boolean;
  difficulty: number;
  nonce: string | null;
  expires: number | null;
  token: string | null;
}

export async function getChallenge(base: string, purpose?: string, options: HitOptions = {}): Promise<ChallengeJson> {
  const response = await hit(base, purpose ? `/challenge?purpose=${purpose}` : '/challenge', options);
  expect(response.status, response.text).toBe(200);
  return response.json() as unknown as ChallengeJson;
}

export interface Solved {
  challenge: ChallengeJson;
  token: string;
  solution: string;
  headers: Record<string, string>;
}

/** Fetches a challenge and solves it (tests keep difficulties ≤ 12 bits, so this is milliseconds). */
export async function solvedChallenge(base: string, purpose?: string, options: HitOptions = {}): Promise<Solved> {
  const challenge = await getChallenge(base, purpose, options);
  expect(challenge.enabled).toBe(true);
  expect(challenge.difficulty).toBeLessThanOrEqual(12);
  const token = challenge.token as string;
  const solution = solve(challenge.nonce as string, challenge.difficulty);
  return { challenge, token, solution, headers: { 'x-pow-token': token, 'x-pow-solution': solution } };
}

/** POST / with a body and headers. */
export function postPaste(base: string, body: string | Buffer, headers: Record<string, string> = {}, options: HitOptions = {}): Promise<Hit> {
  return hit(base, '/', { ...options, method: 'POST', headers: { 'content-type': 'application/octet-stream', ...headers }, body });
}

/** POST /upload as multipart/form-data with one "file" field. */
export function postUpload(base: string, content: string | Buffer, filename: string, headers: Record<string, string> = {}, options: HitOptions = {}): Promise<Hit> {
  const boundary = `----sealbin-abuse-${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    typeof content === 'string' ? Buffer.from(content) : content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return hit(base, '/upload', { ...options, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers }, body });
}

export interface ErrorJson {
  error_code: string;
  message: string;
  request_id: string;
  [extra: string]: unknown;
}

/** The contract's error shape: status, JSON content type, error_code, message, request_id = X-Request-ID. */
export function expectErrorHit(response: Hit, status: number, code: string): ErrorJson {
  expect(response.status, response.text).toBe(status);
  expect(response.header('content-type')).toBe('application/json; charset=utf-8');
  const body = response.json() as ErrorJson;
  expect(body.error_code, response.text).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(body.request_id).toBe(response.header('x-request-id'));
  return body;
}

/** A whole number of seconds in [min, max], as a header value. */
export function expectSeconds(value: string | undefined, min: number, max: number): number {
  expect(value, 'header present').toMatch(/^\d+$/);
  const seconds = Number(value);
  expect(seconds).toBeGreaterThanOrEqual(min);
  expect(seconds).toBeLessThanOrEqual(max);
  return seconds;
}


/** Polls `probe` until it returns true or `timeoutMs` passes; returns whether it became true. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 150): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** A random 32-hex id that is (almost surely) not stored: a guess. */
export function guessId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += '0123456789abcdef'[Math.floor(Math.random() * 16)];
  return id;
}

/** Disposes a test server if one was started (dispose fails the suite if it crashed or logged an error). */
export async function disposeServer(server: RunningServer | undefined): Promise<void> {
  await server?.dispose();
}
