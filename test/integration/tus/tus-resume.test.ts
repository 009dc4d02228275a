// tus-resume (black box): an upload survives a cut connection (the bytes that arrived are kept and
// HEAD reports them) and a server killed with SIGKILL, whose torn last segment is cut back on the
// next start; both complete byte-identical.
import { randomBytes } from 'node:crypto';
import { appendFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeServer } from '../../helpers/abuse.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { createUpload, expectSameBytes, offsetOf, rawOf, sendRest, TUS, tusPatch } from '../../helpers/tus.js';
import { waitFor } from '../../helpers/wait.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await disposeServer(server);
});

async function start(dataDir?: string): Promise<RunningServer> {
  const server = await startServer(dataDir ? { dataDir } : {});
  servers.push(server);
  return server;
}

const logPath = (server: RunningServer, path: string): string => join(server.dataDir, 'tus', `${path.split('/').pop() as string}.log`);

/**
 * Starts a PATCH declaring the whole rest, sends `sent` bytes of it, waits until the server has
 * written at least `stored` bytes of segments, then cuts the connection.
 */
async function cutPatch(server: RunningServer, path: string, content: Buffer, sent: number, stored: number): Promise<void> {
  const req = request(new URL(path, server.url), { method: 'PATCH', agent: false, headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'content-length': String(content.length) } });
  req.on('error', () => undefined);
  req.write(content.subarray(0, sent));
  await waitFor(() => statSync(logPath(server, path)).size >= stored, 'segments of the cut PATCH on disk');
  req.destroy();
}

describe('tus: resuming', () => {
  it('after a cut connection HEAD gives the durable offset and the rest completes byte-identical', async () => {
    const server = await start();
    const content = randomBytes(500_000);
    const path = await createUpload(server.url, { 'upload-length': String(content.length) });
    await cutPatch(server, path, content, 300_000, 200_000);
    // HEAD waits for the cut PATCH to wind up, then reports what it kept.
    const offset = await offsetOf(server.url, path);
    expect(offset).toBeGreaterThanOrEqual(196_608);
    expect(offset).toBeLessThanOrEqual(300_000);
    const last = await sendRest(server.url, path, content, offset, 150_000);
    expectSameBytes(await rawOf(server.url, last), content);
  });

  it('after SIGKILL and a torn tail the restarted server reports the last whole segment and completes', async () => {
    const first = await start();
    const content = randomBytes(400_000);
    const path = await createUpload(first.url, { 'upload-length': String(content.length) });
    expect((await tusPatch(first.url, path, 0, content.subarray(0, 150_000))).status).toBe(204);
    await first.kill();
    // A crash mid-append: half a segment's bytes after the last whole one.
    appendFileSync(logPath(first, path), Buffer.concat([Buffer.from([0, 1, 0, 0]), randomBytes(3000)]));
    const second = await start(first.dataDir);
    servers.splice(servers.indexOf(first), 1);
    expect(await offsetOf(second.url, path)).toBe(150_000);
    const last = await sendRest(second.url, path, content, 150_000, 125_000);
    expectSameBytes(await rawOf(second.url, last), content);
  });

  it('a whole but forged last segment is cut back too (it does not authenticate)', async () => {
    const first = await start();
    const content = randomBytes(100_000);
    const path = await createUpload(first.url, { 'upload-length': String(content.length) });
    expect((await tusPatch(first.url, path, 0, content.subarray(0, 40_000))).status).toBe(204);
    await first.kill();
    const forged = Buffer.concat([Buffer.from([0, 0, 0x27, 0x10]), randomBytes(12 + 10_000 + 16)]);
    appendFileSync(logPath(first, path), forged);
    const second = await start(first.dataDir);
    servers.splice(servers.indexOf(first), 1);
    expect(await offsetOf(second.url, path)).toBe(40_000);
    const last = await sendRest(second.url, path, content, 40_000, 60_000);
    expectSameBytes(await rawOf(second.url, last), content);
  });
});
