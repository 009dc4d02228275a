// slowloris: a client dripping its headers is cut off after the header timeout (15 s) with 408,
// while other clients are served all along.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { expectErrorBody, expectSecurityHeaders, parseRawResponse } from '../helpers/assertions.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

describe('slowloris', () => {
  it('closes a connection whose headers never finish, and keeps serving others', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (data) => (answer += data.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    const started = Date.now();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 2000);
    let served = 0;
    const others = setInterval(() => {
      void fetch(`${server.url}/health`).then((r) => r.status === 200 && served++);
    }, 1000);
    const end = await closed;
    clearInterval(drip);
    clearInterval(others);
    expect(end - started).toBeGreaterThanOrEqual(14_000);
    expect(end - started).toBeLessThan(25_000);
    const response = parseRawResponse(answer);
    expect(response.status).toBe(408);
    // Written by the parser-error path, not Fastify: the same security headers all the same.
    expectSecurityHeaders(response.headers, undefined, '408');
    expectErrorBody(response.text, response.headers, 'REQUEST_TIMEOUT');
    expect(served).toBeGreaterThan(5);
  }, 40_000);
});
