// Stalled readers: a client that stops reading a response is cut after the idle time (its queued
// output stops moving); a client that reads slowly but steadily is not. Real sockets on loopback,
// a short idle time.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { cutStalledWrites } from '../../../src/http/stalled-writes.js';
import { sleep, waitFor } from '../../helpers/wait.js';

const IDLE_MS = 1500;
/** Far more than loopback's socket buffers on both ends hold, so a reader that stops really stalls us. */
const BODY_BYTES = 32 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Started {
  port: number;
  cuts: () => number;
  /** Server-side sockets that have closed, with the time they closed. */
  closedAt: Map<Socket, number>;
  /** Server-side sockets, in the order they connected. */
  sockets: Socket[];
}

async function start(bodyBytes = BODY_BYTES): Promise<Started> {
  let cuts = 0;
  const closedAt = new Map<Socket, number>();
  const sockets: Socket[] = [];
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bodyBytes });
    let left = bodyBytes;
    // Streamed with backpressure, as downloads are: nothing is written while the socket is full.
    Readable.from(
      (function* () {
        while (left > 0) {
          const piece = CHUNK.subarray(0, Math.min(CHUNK.length, left));
          left -= piece.length;
          yield piece;
        }
      })(),
    ).pipe(response);
  });
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    socket.once('close', () => closedAt.set(socket, Date.now()));
  });
  cutStalledWrites(server, IDLE_MS, () => (cuts += 1));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, cuts: () => cuts, closedAt, sockets };
}

function request(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
  return socket;
}

/** A client that reads the first 256 KiB of the answer and then stops reading. */
async function readThenStop(port: number): Promise<{ client: Socket; stoppedAt: number; received: () => number }> {
  const client = request(port);
  let received = 0;
  let stoppedAt = 0;
  client.on('data', (data: Buffer) => {
    received += data.length;
    if (received >= 256 * 1024 && stoppedAt === 0) {
      client.pause();
      stoppedAt = Date.now();
    }
  });
  await waitFor(() => stoppedAt > 0, 'the client to read 256 KiB and stop');
  return { client, stoppedAt, received: () => received };
}

describe('cutStalledWrites', () => {
  it('destroys a connection whose client stopped reading, after the idle time and not before', async () => {
    const server = await start();
    const { client, stoppedAt, received } = await readThenStop(server.port);
    const closed = await waitFor(() => [...server.closedAt.values()][0], 'the server to cut the stalled connection', { timeoutMs: IDLE_MS + 10_000 });
    client.destroy();
    expect(server.cuts()).toBe(1);
    // Not before the idle time (the queue stops moving a little after the client stops reading) ...
    expect(closed - stoppedAt).toBeGreaterThanOrEqual(IDLE_MS);
    // ... and the whole body was never delivered.
    expect(received()).toBeLessThan(BODY_BYTES);
  });

  it('does not blame a client for the time this process stood still', async () => {
    const server = await start();
    const { client } = await readThenStop(server.port);
    // Until the server's queued output has stopped moving (the kernel's buffers are full), so that
    // the watch has seen it stuck before the stall.
    const serverSocket = await waitFor(() => server.sockets[0], 'the server side of the connection');
    let mark = '';
    let sameFor = 0;
    await waitFor(
      () => {
        const now = `${serverSocket.bytesWritten}:${serverSocket.writableLength}`;
        sameFor = now === mark && serverSocket.writableLength > 0 ? sameFor + 1 : 0;
        mark = now;
        return sameFor >= 3;
      },
      'the queued output to stop moving',
      { intervalMs: 100 },
    );
    // The whole process (server included) stands still for longer than the idle time, as a long
    // collection or a starved machine would make it.
    const stallEnd = Date.now() + IDLE_MS + 500;
    while (Date.now() < stallEnd);
    const closed = await waitFor(() => [...server.closedAt.values()][0], 'the server to cut the stalled connection', { timeoutMs: IDLE_MS + 10_000 });
    client.destroy();
    expect(server.cuts()).toBe(1);
    // The stall does not count against the client; the few hundred ms its output sat stuck before the
    // stall do (cut at once, 20 ms after the stall, when the stall counted).
    expect(closed - stallEnd).toBeGreaterThanOrEqual(IDLE_MS / 2);
  });

  it('leaves alone a client that reads slowly but steadily, although our output stays queued longer than the idle time', async () => {
    const size = 24 * 1024 * 1024;
    const server = await start(size);
    const slow = request(server.port);
    const serverSocket = await waitFor(() => server.sockets[0], 'the server side of the connection');
    // Proof that the situation is the one under test: output queued (the client is the bottleneck)
    // for a stretch longer than the idle time, which a rule based on an idle socket timer would cut.
    let queuedSince = 0;
    let longestQueuedMs = 0;
    const sampler = setInterval(() => {
      const now = Date.now();
      if (serverSocket.writableLength === 0) queuedSince = 0;
      else if (queuedSince === 0) queuedSince = now;
      else longestQueuedMs = Math.max(longestQueuedMs, now - queuedSince);
    }, 50);
    let received = 0;
    // About 4 MiB/s: each bite is followed by a pause well under the idle time.
    slow.on('data', (data: Buffer) => {
      received += data.length;
      slow.pause();
      void sleep(Math.ceil(data.length / 4096)).then(() => slow.resume());
    });
    await waitFor(() => received >= size, 'the slow client to receive the whole body', { timeoutMs: 60_000 });
    clearInterval(sampler);
    expect(server.cuts()).toBe(0);
    expect(server.closedAt.size).toBe(0);
    expect(longestQueuedMs).toBeGreaterThan(IDLE_MS);
    slow.destroy();
  });
});
