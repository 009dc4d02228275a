// Logs after a proof-of-work creation, reads and a token deletion: the content, the id, the delete
// token, the PoW token and nonce, and the client address never appear (SEALBIN_LOG_IPS off).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../../src/security/pow.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_LOG_LEVEL: 'debug' } });
});
afterAll(async () => {
  await server.dispose();
});

describe('log lines', () => {
  it('carry request id, route, status and duration, and no secret', async () => {
    const challenge = (await (await fetch(`${server.url}/challenge`)).json()) as { nonce: string; difficulty: number; token: string };
    const solution = solve(challenge.nonce, challenge.difficulty);
    const content = 'top secret content 7f3a9c';
    const created = await fetch(`${server.url}/`, { method: 'POST', body: content, headers: { 'x-pow-token': challenge.token, 'x-pow-solution': solution, 'x-request-id': 'trace-me-1' } });
    expect(created.status).toBe(201);
    const paste = (await created.json()) as { id: string; raw: string; url: string; delete_token: string };
    expect(await (await fetch(paste.raw, { headers: { 'x-request-id': 'trace-me-2' } })).text()).toBe(content);
    const deleted = await fetch(paste.url, { method: 'DELETE', headers: { 'x-delete-token': paste.delete_token, 'x-request-id': 'trace-me-3' } });
    expect(deleted.status).toBe(204);
    // Access log lines follow their responses: wait for all three before reading the log.
    for (const id of ['trace-me-1', 'trace-me-2', 'trace-me-3']) await server.waitForLog((line) => line.msg === 'request' && line['reqId'] === id, `the access log line of ${id}`);

    const requests = server.logLines().filter((entry) => entry.msg === 'request');
    const create = requests.find((entry) => entry['reqId'] === 'trace-me-1');
    expect(create).toMatchObject({ method: 'POST', route: '/', status: 201 });
    expect(typeof create?.['ms']).toBe('number');
    expect(requests.some((entry) => entry['route'] === '/:id/raw' && entry['status'] === 200)).toBe(true);

    const everything = server.output();
    for (const secret of [content, paste.id, paste.delete_token, challenge.token, challenge.nonce]) expect(everything).not.toContain(secret);
    for (const entry of requests) expect(JSON.stringify(entry)).not.toMatch(/127\.0\.0\.1|::1|"ip"/);
  });
});
