// kill -9 in the middle of a large upload: no blob or item was created from it, the server works
// normally after a restart, and the partial temp file is swept by the scheduled cleanup once it is an
// hour old (a fresh one may be another instance's upload on shared storage, issue 13), not before.
import { afterAll, describe, expect, it } from 'vitest';
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';
import { blobFiles, tmpFiles } from '../helpers/data-dir.js';
import { send } from '../helpers/send.js';
import { waitFor } from '../helpers/wait.js';

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.dispose();
});

describe('kill -9 during a large chunked upload', () => {
  it('leaves nothing behind after a restart on the same data dir', async () => {
    const first = await startServer({ env: { SEALBIN_MAX_SIZE: '100MiB' } });
    servers.push(first);
    const dataDir = first.dataDir;
    const before = await createPaste(first.url, 'stored before the crash');

    // 20 MB in 64 KiB chunks, paced so that it is still in flight when the process dies.
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    const chunks = Array.from({ length: Math.ceil((20 * 1000 * 1000) / chunk.length) }, () => chunk);
    let partial = '';
    let killed: Promise<void> | undefined;
    const upload = send(first.url, '/upload', {
      chunks,
      delayMs: 10,
      headers: { 'Content-Type': 'application/octet-stream' },
      onChunk: async (index) => {
        if (index !== 40) return;
        // The server is writing this upload to disk right now.
        await waitFor(() => tmpFiles(dataDir).some((file) => statSync(join(dataDir, file)).size > 512 * 1024), 'a growing temp file', { timeoutMs: 10_000, intervalMs: 25 });
        partial = tmpFiles(dataDir)[0] as string;
        killed = first.kill();
        await killed;
      },
    });
    // The client sees the connection die (no response), then the process is gone.
    await expect(upload).rejects.toThrow();
    expect(killed).toBeDefined();
    await killed;
    expect(first.process.signalCode).toBe('SIGKILL');
    // The crash left its partial upload behind (so the restart really has something to clean up).
    expect(partial).not.toBe('');
    expect(tmpFiles(dataDir)).toContain(partial);
    expect(blobFiles(dataDir)).toEqual([]);

    const second = await startServer({ dataDir, env: { SEALBIN_MAX_SIZE: '100MiB', SEALBIN_CLEANUP_INTERVAL: '1' } });
    servers.push(second);
    const runs = async () => Number(/^sealbin_cleanup_runs_total (\d+)/m.exec(await (await fetch(`${second.url}/metrics`)).text())?.[1] ?? 0);
    // The start-up run (which sweeps leftovers) is over and left the minutes-old partial alone.
    await waitFor(async () => (await runs()) >= 1, 'the start-up cleanup run');
    expect(tmpFiles(dataDir)).toEqual([partial]);
    expect(blobFiles(dataDir)).toEqual([]);
    // As if the crash had been two hours ago: a later scheduled run (leftovers every tenth) takes it.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(dataDir, partial), twoHoursAgo, twoHoursAgo);
    await second.waitForLog((line) => line.msg === 'cleanup' && line['incomplete'] === 1, 'a scheduled run sweeping the old partial', { timeoutMs: 40_000 });
    expect(tmpFiles(dataDir)).toEqual([]);

    const info = await fetch(`${second.url}/`);
    expect(info.status).toBe(200);
    expect(((await info.json()) as { name: string }).name).toBe('sealbin');
    // What was committed before the crash survives; the killed upload never became an item.
    expect(await (await fetch(`${second.url}/${before.id}/raw`)).text()).toBe('stored before the crash');

    const big = Buffer.alloc(256 * 1024, 0x42);
    const after = await createPaste(second.url, big, { 'Content-Type': 'application/octet-stream' });
    expect(after.size).toBe(big.length);
    expect(blobFiles(dataDir)).toHaveLength(1);
    expect(tmpFiles(dataDir)).toEqual([]);
  });
});
