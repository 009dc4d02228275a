// A refused upload (no proof of work, over the rate limit) is answered at once and its body is not
// swallowed whole: the server reads and discards it for at most ~2 s, then drops the connection.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8' } });
});
afterAll(async () => {
  await server.dispose();
});

/** Streams an endless body until the server answers, then keeps sending; resolves with the status and when the socket closed. */
function endlessUpload(): Promise<{ status: number; answeredAfter: number; closedAfter: number }> {
  const url = new URL(`${server.url}/`);
  const started = Date.now();
  return new Promise((resolve) => {
    let status = 0;
    let answeredAfter = 0;
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (response) => {
      status = response.statusCode ?? 0;
      answeredAfter = Date.now() - started;
      response.resume();
    });
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = setInterval(() => {
      if (!req.destroyed) req.write(chunk);
    }, 5);
    req.on('error', () => undefined);
    req.on('close', () => {
      clearInterval(pump);
      resolve({ status, answeredAfter, closedAfter: Date.now() - started });
    });
    setTimeout(() => req.destroy(), 15_000).unref();
  });
}

describe('refused uploads', () => {
  it('are answered before the body ends and cut off after the linger time', async () => {
    // A first request pays for the fresh process's compilation, which is not what is measured here.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const outcome = await endlessUpload();
    expect(outcome.status).toBe(400);
    // Before the body ends (it never does); loose for a loaded machine, the close below is the proof.
    expect(outcome.answeredAfter).toBeLessThan(5000);
    expect(outcome.closedAfter).toBeLessThan(10_000);
    // The server is fine afterwards.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
