// What a real Sealbin serves at /metrics after some traffic passes `promtool check metrics`, the
// linter Prometheus ships (naming, HELP, types), so dashboards and recording rules can rely on it.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaste, uploadFile } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { has } from './tools.js';

const promtool = has('promtool');

describe('GET /metrics', () => {
  let server: RunningServer;
  let text = '';

  beforeAll(async () => {
    server = await startServer();
    // Traffic that fills the labelled families: creates, reads, a 404, a short link, health.
    const paste = await createPaste(server.url, 'hello metrics');
    await uploadFile(server.url, 'file content', 'notes.txt');
    expect((await fetch(paste.raw)).status).toBe(200);
    expect((await fetch(`${server.url}/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${server.url}/s`, { method: 'POST', body: 'https://example.org/' })).status).toBe(201);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    text = await response.text();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('names no gauge *_total (Prometheus keeps that suffix for counters) and keeps the totals under *_all', () => {
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1] as string, match[2] as string]));
    expect(types.get('sealbin_items_created_total')).toBe('counter');
    expect([...types].filter(([name, type]) => name.endsWith('_total') && type !== 'counter')).toEqual([]);
    for (const kind of ['handles', 'requests', 'resources']) expect(types.get(`sealbin_nodejs_active_${kind}_all`), kind).toBe('gauge');
    // The server itself holds at least its listening socket.
    expect(Number(/^sealbin_nodejs_active_handles_all (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(server.output()).not.toMatch(/"level":(50|60)/);
  });

  it.skipIf(!promtool)(`passes promtool check metrics${promtool ? '' : ' (skipped: promtool is not installed; Debian package prometheus)'}`, () => {
    expect(text).toMatch(/sealbin_http_request_duration_seconds_count\{route="\/:id\/raw"/);
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});
