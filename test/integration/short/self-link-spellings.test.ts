// Attack: shortening this server's own short link under another spelling makes a redirect chain
// (or a loop). Every spelling that reaches GET /s/{id} is refused with 400 INVALID_URL, for the
// listen address, the request's Host and SEALBIN_PUBLIC_URL alike.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { expectError } from '../../helpers/contract.js';

const PUBLIC_HOST = 'paste.example';

let server: RunningServer;
let id: string;
let port: string;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_PUBLIC_URL: `https://${PUBLIC_HOST}` } });
  port = new URL(server.url).port;
  const created = await shorten('https://example.org/the-real-target');
  expect(created.status).toBe(201);
  id = ((await created.json()) as { id: string }).id;
});
afterAll(async () => {
  await server.dispose();
});

function shorten(url: string): Promise<Response> {
  return fetch(`${server.url}/s`, { method: 'POST', body: JSON.stringify({ url }), headers: { 'Content-Type': 'application/json' } });
}

/** fetch cannot set Host: a plain node:http POST with a chosen Host header. */
function shortenWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify({ url });
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}/s`, { method: 'POST', headers: { Host: host, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

describe('own short links under other spellings', () => {
  const spellings = (): string[] => [
    // The public host: case, trailing dot, another scheme or port, encoded and dotted paths.
    `https://${PUBLIC_HOST}/s/${id}`,
    `https://PASTE.Example./s/${id}`,
    `http://${PUBLIC_HOST}/s/${id}`,
    `https://${PUBLIC_HOST}:8443/s/${id}`,
    `https://${PUBLIC_HOST}/%73/${id}`,
    `https://${PUBLIC_HOST}/x/../s/${id}`,
    // The loopback listener, by every name and address.
    `http://127.0.0.1:${port}/s/${id}`,
    `http://127.0.0.1:${port}/%73/${id}`,
    `http://localhost:${port}/s/${id}`,
    `http://localhost.:${port}/s/${id}`,
    `http://[::1]:${port}/s/${id}`,
    `http://127.1:${port}/s/${id}`,
    `http://0x7f000001:${port}/s/${id}`,
    `http://[::ffff:127.0.0.1]:${port}/s/${id}`,
    `https://localhost/s/${id}`,
  ];

  it('the spellings that reach the link really do reach it (so refusing them matters)', async () => {
    for (const path of [`/s/${id}`, `/%73/${id}`, `/x/../s/${id}`]) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(302);
    }
  });

  it('refuses every spelling with 400 INVALID_URL', async () => {
    for (const url of spellings()) {
      const error = await expectError(await shorten(url), 400, 'INVALID_URL');
      expect(error.message, url).toMatch(/own short links/);
    }
  });

  it("refuses the request's own Host name too", async () => {
    const refused = await shortenWithHost(`https://Mirror.Example./s/${id}`, `mirror.example:${port}`);
    expect(refused.status).toBe(400);
    expect((JSON.parse(refused.body) as { error_code: string }).error_code).toBe('INVALID_URL');
    // Control: the same target is fine when the request came in under another name.
    expect((await shortenWithHost(`https://mirror.example/s/${id}`, `127.0.0.1:${port}`)).status).toBe(201);
  });

  it('still shortens other URLs on the same hosts, and `//s/ID`, which answers 404', async () => {
    for (const url of [`https://${PUBLIC_HOST}/${'a'.repeat(32)}`, `https://${PUBLIC_HOST}//s/${id}`, `https://other.example/s/${id}`]) {
      expect((await shorten(url)).status, url).toBe(201);
    }
    expect((await fetch(`http://127.0.0.1:${port}//s/${id}`, { redirect: 'manual' })).status).toBe(404);
  });
});
