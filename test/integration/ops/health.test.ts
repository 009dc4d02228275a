// GET /health checks every backend and names the one that fails.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

describe('health', () => {
  it('is ok with every check named', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok', counters: 'ok', disk: 'ok' }, disk: { free_bytes: expect.any(Number), min_free_bytes: 0 } });
  });

  it('answers 503 naming the blob store when the data dir cannot be written', async () => {
    // Root ignores file modes, so make the blob temp dir unusable instead: a file where the dir was.
    const tmp = join(server.dataDir, 'blobs', 'tmp');
    renameSync(tmp, `${tmp}.away`);
    writeFileSync(tmp, 'not a directory');
    try {
      const response = await fetch(`${server.url}/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('unavailable');
      expect(body.checks).toEqual({ database: 'ok', blobs: 'failed', counters: 'ok', disk: 'ok' });
    } finally {
      rmSync(tmp);
      renameSync(`${tmp}.away`, tmp);
      mkdirSync(tmp, { recursive: true });
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
