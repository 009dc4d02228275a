// GET /metrics after a scripted sequence: every counter says exactly what happened, no label carries
// an id, key or address, and only allowed addresses may scrape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../../src/security/pow.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '6', SEALBIN_FLOOD_THRESHOLD: '1000', SEALBIN_RATE_HEALTH: '1/minute', SEALBIN_BRUTE_MAX: '2' } });
});
afterAll(async () => {
  await server.dispose();
});

async function solved(): Promise<Record<string, string>> {
  const challenge = (await (await fetch(`${server.url}/challenge`)).json()) as { nonce: string; difficulty: number; token: string };
  return { 'x-pow-token': challenge.token, 'x-pow-solution': solve(challenge.nonce, challenge.difficulty) };
}

function value(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('metrics', () => {
  it('counts a scripted sequence exactly', async () => {
    // Two pastes (11 + 5 bytes), one short link: 3 solved challenges; one replay fails.
    const first = await solved();
    const paste = (await (await fetch(`${server.url}/`, { method: 'POST', body: 'hello world', headers: first })).json()) as { id: string; raw: string };
    expect((await fetch(`${server.url}/`, { method: 'POST', body: 'again', headers: first })).status).toBe(400);
    await fetch(`${server.url}/`, { method: 'POST', body: 'bytes', headers: await solved() });
    expect((await fetch(`${server.url}/s`, { method: 'POST', body: 'https://example.org/', headers: await solved() })).status).toBe(201);
    // Reads: one served raw (11 bytes), then two 404 guesses start a block (the third is refused).
    expect((await fetch(paste.raw)).status).toBe(200);
    expect((await fetch(`${server.url}/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${server.url}/${'1'.repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${server.url}/${'2'.repeat(32)}`)).status).toBe(429);
    // Health: one per minute, the second is rate limited.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(429);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(value(text, 'sealbin_items_created_total', '{kind="paste"}')).toBe(2);
    expect(value(text, 'sealbin_items_created_total', '{kind="short"}')).toBe(1);
    expect(value(text, 'sealbin_bytes_in_total')).toBe(16);
    expect(value(text, 'sealbin_items_served_total', '{kind="paste"}')).toBe(1);
    expect(value(text, 'sealbin_bytes_out_total')).toBe(11);
    expect(value(text, 'sealbin_pow_challenges_issued_total', '{purpose="create"}')).toBe(3);
    expect(value(text, 'sealbin_pow_solutions_total', '{result="solved"}')).toBe(3);
    expect(value(text, 'sealbin_pow_solutions_total', '{result="failed"}')).toBe(1);
    expect(value(text, 'sealbin_pow_difficulty')).toBe(6);
    expect(value(text, 'sealbin_bruteforce_blocks_total', '{action="paste"}')).toBe(1);
    expect(value(text, 'sealbin_rate_limit_hits_total', '{group="health"}')).toBe(1);
    expect(value(text, 'sealbin_integrity_failures_total')).toBe(0);
    expect(text).toMatch(/sealbin_http_request_duration_seconds_count\{route="\/:id\/raw",method="GET",status="2xx"\} 1/);
    expect(text).toMatch(/sealbin_process_cpu_seconds_total/);
    // Cardinality and privacy: no id, address or token ever becomes a label value.
    expect(text).not.toContain(paste.id);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain(first['x-pow-token'] as string);
  });

  it('refuses addresses outside SEALBIN_METRICS_ALLOW', async () => {
    const remote = await startServer({ env: { SEALBIN_METRICS_ALLOW: '10.0.0.0/8' } });
    try {
      const response = await fetch(`${remote.url}/metrics`);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error_code: string }).error_code).toBe('FORBIDDEN');
    } finally {
      await remote.dispose();
    }
  });
});
