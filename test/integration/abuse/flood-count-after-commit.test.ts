// flood-count-after-commit (in-process): the counter backend failing between the commit of a creation
// and the flood count must still answer 201 with the id: the item is durable, and an error would make
// the client retry and store it twice. The creation's earlier checks (rate limit) still fail closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { systemClock } from '../../../src/core/clock.js';
import { openServer } from '../../../src/server.js';
import type { Server } from '../../../src/server.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import type { CounterStore } from '../../../src/storage/ports.js';

/** Fails only the flood counter's increments, as if Redis dropped right after the commit. */
class FloodFailingStore extends MemoryCounterStore {
  failures = 0;
  override async increment(key: string, ttlSeconds: number, options?: { by?: number; refresh?: boolean }): ReturnType<CounterStore['increment']> {
    if (key.startsWith('flood:')) {
      this.failures++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    }
    return super.increment(key, ttlSeconds, options);
  }
}

let opened: { server: Server; dataDir: string } | null = null;
afterEach(async () => {
  if (!opened) return;
  await opened.server.close();
  rmSync(opened.dataDir, { recursive: true, force: true });
  opened = null;
});

it('answers 201 and keeps the item when the flood count fails after the commit', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealbin-flood-commit-'));
  const store = new FloodFailingStore(systemClock);
  const server = await openServer(loadConfig({ SEALBIN_DATA_DIR: dataDir, SEALBIN_LOG_LEVEL: 'silent', SEALBIN_POW_DIFFICULTY: '0', SEALBIN_RATE_CREATE: '100/minute' }), pino({ level: 'silent' }), { counters: store });
  opened = { server, dataDir };

  const paste = await server.app.inject({ method: 'POST', url: '/', payload: 'committed before the counter failed', headers: { 'content-type': 'text/plain' } });
  expect(paste.statusCode, paste.body).toBe(201);
  const { id } = paste.json() as { id: string };
  const raw = await server.app.inject({ method: 'GET', url: `/${id}/raw` });
  expect(raw.statusCode).toBe(200);
  expect(raw.body).toBe('committed before the counter failed');

  const link = await server.app.inject({ method: 'POST', url: '/s', payload: { url: 'https://example.org/after-commit' } });
  expect(link.statusCode, link.body).toBe(201);
  expect(store.failures).toBe(2);
});
