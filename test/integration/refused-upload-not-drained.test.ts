// A refused upload (no proof of work, over the rate limit) is answered at once and its body is not
// swallowed whole: the server reads and discards it for at most ~2 s, then drops the connection.
import { request } from 'node:http';
import { connect } from 'node:net';
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

/**
 * A Connection: close upload, raw, whose client falls behind: it reads the answer and the server's FIN
 * before it sends the rest of its body. Resolves with the status line and the socket's error, if any.
 */
function lateSender(): Promise<{ statusLine: string; error: string | null }> {
  const url = new URL(server.url);
  const socket = connect({ host: url.hostname, port: Number(url.port), allowHalfOpen: true });
  const piece = (size: number) => `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`;
  return new Promise((resolve) => {
    let error: string | null = null;
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => (answer += data));
    socket.on('error', (e) => (error = String(e)));
    socket.on('close', () => resolve({ statusLine: answer.split('\r\n')[0] ?? '', error }));
    // The server's FIN comes after its whole answer: only then is the rest sent, 128 KiB (well within
    // the 2 s linger on a loaded machine), a piece each time the last one was taken (a reset would
    // fail one of these writes).
    let left = 8;
    const pump = (): void => {
      if (error !== null) return;
      if (left-- === 0) return void socket.end('0\r\n\r\n');
      socket.write(piece(16_384), pump);
    };
    socket.once('end', pump);
    socket.write(`POST / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${piece(16_384)}`);
  });
}

describe('refused uploads', () => {
  it('sent with Connection: close are not reset under a client that is still sending', async () => {
    const outcome = await lateSender();
    expect(outcome.statusLine).toMatch(/^HTTP\/1\.1 400 /);
    // A reset (the socket closed with the body unread) would fail the late writes with EPIPE.
    expect(outcome.error).toBeNull();
  });

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
