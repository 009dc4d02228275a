// SIGTERM drains in-flight requests and exits 0: a slow upload that is mid-way when the signal
// arrives still completes with 201 (and is stored for good) while new requests get 503 SHUTTING_DOWN;
// a client that stopped reading cannot hold the stop past SEALBIN_SHUTDOWN_TIMEOUT; an idle server
// exits 0 promptly.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { expectError } from '../helpers/assertions.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import type { Created } from '../helpers/http.js';
import { createPaste } from '../helpers/http.js';
import { blobFiles, tmpFiles } from '../helpers/data-dir.js';
import { send } from '../helpers/send.js';
import { waitFor } from '../helpers/wait.js';

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.dispose();
});

async function start(dataDir?: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer(dataDir === undefined ? { env } : { dataDir, env });
  servers.push(server);
  return server;
}

/** A new request while the server drains: the contract's JSON 503, told when to retry, connection closed. */
async function expectShuttingDown(response: Response): Promise<void> {
  const body = await expectError(response, 503, 'SHUTTING_DOWN');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(body['retry_after']).toBe(Number(response.headers.get('retry-after')));
  expect(response.headers.get('connection')).toBe('close');
}

describe('SIGTERM', () => {
  it('while a slow upload is in flight: the upload completes with 201 and the process exits 0', async () => {
    const server = await start();
    const chunks = Array.from({ length: 12 }, (_, index) => Buffer.alloc(64 * 1024, 0x41 + index));
    const whole = Buffer.concat(chunks);
    let exit: Promise<number | null> | undefined;
    let exitedEarly = false;

    const result = await send(server.url, '/', {
      chunks,
      delayMs: 150,
      // Like curl: one request, then the connection goes (a kept-alive one would only delay the exit
      // by the server's keep-alive timeout; the idle keep-alive case has its own test below).
      headers: { 'Content-Type': 'application/octet-stream', Connection: 'close' },
      onChunk: async (index) => {
        if (index !== 2) return;
        // The upload is really in progress on the server: it has spilled to a temp file.
        await waitFor(() => tmpFiles(server.dataDir).length > 0, 'the upload to reach blobs/tmp', { timeoutMs: 10_000, intervalMs: 25 });
        exit = server.stop();
        void exit.then(() => (exitedEarly = true));
        await server.waitForLog((line) => line.msg === 'draining in-flight requests', 'the drain to begin');
        // Still listening while it drains: a new client (and a load balancer's health check) is told
        // to go elsewhere instead of finding the port closed, and nothing new is stored.
        await expectShuttingDown(await fetch(`${server.url}/health`));
        await expectShuttingDown(await fetch(`${server.url}/`, { method: 'POST', body: 'arrived during the drain' }));
        // Draining, not exiting: the process is still alive with our request half-sent.
        expect(exitedEarly).toBe(false);
        expect(server.process.exitCode).toBeNull();
      },
    });

    expect(exit).toBeDefined();
    expect(result.status, result.body).toBe(201);
    const created = JSON.parse(result.body) as Created;
    expect(created.size).toBe(whole.length);
    expect(created.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
    expect(await within(exit as Promise<number | null>, 20_000, 'exit after draining')).toBe(0);
    expect(server.output()).toMatch(/draining in-flight requests/);

    // What was acknowledged is durable: a restart on the same data dir serves it intact.
    expect(tmpFiles(server.dataDir)).toEqual([]);
    const restarted = await start(server.dataDir);
    const raw = await fetch(`${restarted.url}/${created.id}/raw`);
    expect(raw.status).toBe(200);
    expect(Buffer.from(await raw.arrayBuffer()).equals(whole)).toBe(true);
    expect(blobFiles(restarted.dataDir)).toHaveLength(1);
  });

  it('with a client that stopped reading a download: cuts it at SEALBIN_SHUTDOWN_TIMEOUT and exits 0', async () => {
    const timeoutS = 3;
    const server = await start(undefined, { SEALBIN_SHUTDOWN_TIMEOUT: String(timeoutS) });
    // Far more than the socket buffers between us hold, so the server really has output stuck.
    const content = Buffer.alloc(16 * 1024 * 1024, 0x44);
    const created = await createPaste(server.url, content, { 'Content-Type': 'application/octet-stream' });
    const { port } = new URL(server.url);
    const reader = connect(Number(port), '127.0.0.1');
    let received = 0;
    reader.on('data', (data: Buffer) => {
      received += data.length;
      // Reads the headers and a little content, then stops reading with the socket open.
      if (received >= 128 * 1024) reader.pause();
    });
    reader.write(`GET /${created.id}/raw HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    try {
      await waitFor(() => received >= 128 * 1024, 'the download to start');
      const signalledAt = Date.now();
      const code = await within(server.stop(), 20_000, 'exit with a stalled download open');
      const tookMs = Date.now() - signalledAt;
      expect(code).toBe(0);
      // It did wait for the download (a drain, not an abort) ...
      expect(tookMs).toBeGreaterThanOrEqual(timeoutS * 1000 - 200);
      // ... and said what it cut, then closed the stores as in any stop.
      const cut = server.logLines().find((line) => line.msg === 'shutdown timeout: cut the remaining connections');
      expect(cut).toMatchObject({ requests: 1, timeout_s: timeoutS });
      expect(server.logLines().at(-1)?.msg).toBe('stopped');
      expect(received).toBeLessThan(content.length);
    } finally {
      reader.destroy();
    }
    // Nothing was lost or left half-done by the cut: a restart serves the item whole.
    const restarted = await start(server.dataDir);
    const raw = await fetch(`${restarted.url}/${created.id}/raw`);
    expect(raw.status).toBe(200);
    expect(Buffer.from(await raw.arrayBuffer()).equals(content)).toBe(true);
  });

  it('with an upload still arriving at SEALBIN_SHUTDOWN_TIMEOUT: cuts it, stores nothing of it, exits 0', async () => {
    const timeoutS = 2;
    const server = await start(undefined, { SEALBIN_SHUTDOWN_TIMEOUT: String(timeoutS) });
    const before = await createPaste(server.url, 'acknowledged before the stop');
    // Paced to take a minute: far longer than the drain may wait.
    const chunks = Array.from({ length: 300 }, () => Buffer.alloc(64 * 1024, 0x55));
    let exit: Promise<number | null> | undefined;
    const upload = send(server.url, '/', {
      chunks,
      delayMs: 200,
      headers: { 'Content-Type': 'application/octet-stream', Connection: 'close' },
      onChunk: async (index) => {
        if (index !== 2) return;
        await waitFor(() => tmpFiles(server.dataDir).length > 0, 'the upload to reach blobs/tmp', { timeoutMs: 10_000, intervalMs: 25 });
        exit = server.stop();
      },
    });
    // The client sees its connection cut, never a 201.
    await expect(upload).rejects.toThrow();
    expect(exit).toBeDefined();
    expect(await within(exit as Promise<number | null>, 20_000, 'exit after cutting the upload')).toBe(0);
    expect(server.logLines().find((line) => line.msg === 'shutdown timeout: cut the remaining connections')).toMatchObject({ requests: 1 });

    // Whatever the cut upload left is a leftover for the start-up sweep; made a day old, so that a
    // sweep which spares recent files (other instances' uploads) must still take it.
    const dayAgo = new Date(Date.now() - 86_400_000);
    for (const file of tmpFiles(server.dataDir)) utimesSync(join(server.dataDir, file), dayAgo, dayAgo);
    const restarted = await start(server.dataDir);
    // The start-up sweep runs beside listening: wait for it to take the aged leftover.
    await waitFor(() => tmpFiles(restarted.dataDir).length === 0, 'the start-up sweep to remove the cut upload', { timeoutMs: 30_000 });
    expect(tmpFiles(restarted.dataDir)).toEqual([]);
    expect(blobFiles(restarted.dataDir)).toEqual([]);
    expect(await (await fetch(`${restarted.url}/${before.id}/raw`)).text()).toBe('acknowledged before the stop');
  });

  it('when idle: exits 0 promptly', async () => {
    const server = await start();
    await createPaste(server.url, 'something stored');
    expect(await within(server.stop(), 10_000, 'exit when idle')).toBe(0);
  });

  it('with an idle keep-alive connection open: still exits 0 promptly', async () => {
    const server = await start();
    // Node's fetch keeps the connection alive after this response.
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    await response.json();
    expect(await within(server.stop(), 10_000, 'exit with an idle keep-alive connection')).toBe(0);
  });

  it('as soon as the "listening" line is out: drains and exits 0 (not killed by the signal), then refuses connections', async () => {
    // Supervisors may stop a service the moment it reports ready: the handler must already be there.
    // Repeated because the window between the log line and the handler being installed is small.
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = await start();
      const url = server.url;
      const code = await within(server.stop(), 10_000, 'exit');
      expect(server.process.signalCode, `attempt ${attempt}: killed by the signal instead of draining`).toBeNull();
      expect(code).toBe(0);
      expect(server.output()).toMatch(/draining in-flight requests/);
      await expect(fetch(`${url}/`)).rejects.toThrow();
    }
  });
});
