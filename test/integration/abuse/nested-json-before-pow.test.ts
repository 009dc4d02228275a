// nested-json-before-pow (black box): megabytes of nested JSON sent without a proof of work are
// refused from the headers, before the body is read (the server answers while most of the body is
// still unsent); with a proof, nesting past the bound is 400 INVALID_JSON on every JSON endpoint.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, hit, solvedChallenge } from '../../helpers/abuse.js';

const BODY = 8 * 1024 * 1024;
const FIRST_PIECE = 64 * 1024;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_REGISTER_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
});
afterAll(async () => {
  await disposeServer(server);
});

/**
 * Declares an 8 MiB nested-array body, sends only its first 64 KiB and waits for the answer: an
 * answer can only come if the server decided from the headers. The rest is never sent.
 */
function answerBeforeBody(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(BODY) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        request.destroy();
      });
    });
    // The server may close the connection after answering: that is not a failure of this test.
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    request.write('['.repeat(FIRST_PIECE));
  });
}

describe('nested-json-before-pow', () => {
  it.each(['/', '/upload', '/s', '/register'])('POST %s: 8 MiB of "[" without a proof is POW_REQUIRED before the body is read', async (path) => {
    const answer = await answerBeforeBody(path);
    expect(answer.status).toBe(400);
    expect(answer.body['error_code']).toBe('POW_REQUIRED');
    // The message names the challenge that this route takes (registration has its own).
    expect(String(answer.body['message'])).toContain(path === '/register' ? '/register/challenge' : 'GET /challenge');
  });

  it('the server stays responsive and healthy afterwards', async () => {
    expect((await hit(server.url, '/health')).status).toBe(200);
  });

  it('with a valid proof, JSON nested past the bound is 400 INVALID_JSON (creation, short link, registration, CA)', async () => {
    const deep = `{"content": ${'['.repeat(100)}1${']'.repeat(100)}}`;
    for (const path of ['/', '/s', '/register']) {
      const pow = path === '/register' ? await registerPow() : (await solvedChallenge(server.url)).headers;
      expectErrorHit(await hit(server.url, path, { method: 'POST', headers: { 'content-type': 'application/json', ...pow }, body: deep }), 400, 'INVALID_JSON');
    }
    expectErrorHit(await hit(server.url, '/pki/ca', { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep }), 400, 'INVALID_JSON');
    // A flat body of the same size is fine: the bound is on nesting, not length.
    const flat = await hit(server.url, '/', { method: 'POST', headers: { 'content-type': 'application/json', ...(await solvedChallenge(server.url)).headers }, body: JSON.stringify({ content: '['.repeat(100) }) });
    expect(flat.status, flat.text).toBe(201);
  });
});

async function registerPow(): Promise<Record<string, string>> {
  const { solve } = await import('../../../src/security/pow.js');
  const challenge = (await hit(server.url, '/register/challenge')).json() as { nonce: string; difficulty: number; token: string };
  return { 'x-pow-token': challenge.token, 'x-pow-solution': solve(challenge.nonce, challenge.difficulty) };
}
