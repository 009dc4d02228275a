// POST /s reads JSON or text/plain only: a form post or any other Content-Type is 415
// UNSUPPORTED_MEDIA_TYPE (it was shortened as if it were text).
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { expectError } from '../../helpers/contract.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

const TARGET = 'https://example.org/some/where';

function shorten(body: string, contentType: string): Promise<Response> {
  return fetch(`${server.url}/s`, { method: 'POST', body, headers: { 'Content-Type': contentType } });
}

/** A POST without any Content-Type header (fetch always adds one to a string body). */
function postUntyped(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}/s`, { method: 'POST', headers: { 'Content-Length': String(Buffer.byteLength(body)) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('POST /s Content-Type', () => {
  it.each([
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'text/html',
    'image/png',
    'application/octet-stream',
  ])('%s → 415 UNSUPPORTED_MEDIA_TYPE', async (type) => {
    const error = await expectError(await shorten(TARGET, type), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(error.message).toMatch(/application\/json.*text\/plain/);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'text/plain', 'text/plain; charset=utf-8', 'TEXT/PLAIN'])('%s is read', async (type) => {
    const body = type.toLowerCase().startsWith('application/json') ? JSON.stringify({ url: TARGET }) : TARGET;
    const response = await shorten(body, type);
    expect(response.status).toBe(201);
    expect(((await response.json()) as { target: string }).target).toBe(TARGET);
  });

  it('no Content-Type at all is read as text', async () => {
    const response = await postUntyped(TARGET);
    expect(response.status).toBe(201);
    expect((JSON.parse(response.text) as { target: string }).target).toBe(TARGET);
  });
});
