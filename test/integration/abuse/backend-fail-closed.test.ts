// backend-fail-closed (in-process, app.inject): when the CounterStore throws, limited endpoints
// answer 503 BACKEND_UNAVAILABLE on create and read routes, never falling open to unlimited; each
// mechanism on its own fails closed too; and service resumes when the backend is back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../../src/config.js';
import { systemClock } from '../../../src/core/clock.js';
import { solve } from '../../../src/security/pow.js';
import { openServer } from '../../../src/server.js';
import type { Server } from '../../../src/server.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import type { CounterStore } from '../../../src/storage/ports.js';
import { guessId } from '../../helpers/abuse.js';

/** A CounterStore whose backend can be switched off, like an unreachable Redis. */
class SwitchableStore implements CounterStore {
  down = false;
  calls = 0;
  constructor(private readonly inner: CounterStore) {}
  private async run<T>(call: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:6379'), { code: 'ECONNREFUSED' });
    return call();
  }
  increment: CounterStore['increment'] = (key, ttl, options) => this.run(() => this.inner.increment(key, ttl, options));
  get: CounterStore['get'] = (key) => this.run(() => this.inner.get(key));
  claim: CounterStore['claim'] = (key, ttl) => this.run(() => this.inner.claim(key, ttl));
  put: CounterStore['put'] = (key, value, ttl) => this.run(() => this.inner.put(key, value, ttl));
  consume: CounterStore['consume'] = (bucket, key, limit, window) => this.run(() => this.inner.consume(bucket, key, limit, window));
  refund: CounterStore['refund'] = (bucket, key, limit, window) => this.run(() => this.inner.refund(bucket, key, limit, window));
  ping: CounterStore['ping'] = () => this.run(() => this.inner.ping());
  close: CounterStore['close'] = () => this.inner.close();
}

const ALL_ON = { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000000', SEALBIN_RATE_CREATE: '100/minute', SEALBIN_RATE_READ: '100/minute', SEALBIN_RATE_HEALTH: '100/second', SEALBIN_BRUTE_MAX: '10', SEALBIN_DEDUP_MAX: '3' };
const ALL_OFF = { SEALBIN_POW_DIFFICULTY: '0', SEALBIN_RATE_CREATE: 'off', SEALBIN_RATE_READ: 'off', SEALBIN_RATE_HEALTH: 'off', SEALBIN_BRUTE_MAX: '0', SEALBIN_DEDUP_MAX: '0' };

const opened: { server: Server; dataDir: string }[] = [];

async function open(env: Record<string, string>): Promise<{ server: Server; store: SwitchableStore }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealbin-failclosed-'));
  const store = new SwitchableStore(new MemoryCounterStore(systemClock));
  const server = await openServer(loadConfig({ SEALBIN_DATA_DIR: dataDir, SEALBIN_LOG_LEVEL: 'silent', ...env }), pino({ level: 'silent' }), { counters: store });
  opened.push({ server, dataDir });
  return { server, store };
}

afterEach(async () => {
  for (const { server, dataDir } of opened.splice(0)) {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
afterAll(async () => {
  expect(opened).toHaveLength(0);
});

function expectUnavailable(response: LightMyRequestResponse, what: string): void {
  expect(response.statusCode, `${what}: ${response.body}`).toBe(503);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = response.json() as Record<string, unknown>;
  expect(body['error_code'], what).toBe('BACKEND_UNAVAILABLE');
  expect(body['request_id']).toBe(response.headers['x-request-id']);
  // Nothing about the backend leaks to the client.
  expect(response.body).not.toMatch(/ECONNREFUSED|6379|10\.0\.0\.9|stack/);
}

async function solvedHeaders(server: Server): Promise<Record<string, string>> {
  const challenge = (await server.app.inject({ method: 'GET', url: '/challenge' })).json() as { token: string; nonce: string; difficulty: number };
  return { 'x-pow-token': challenge.token, 'x-pow-solution': solve(challenge.nonce, challenge.difficulty) };
}

async function createPaste(server: Server, content: string): Promise<{ id: string; delete_token: string }> {
  const response = await server.app.inject({ method: 'POST', url: '/', payload: content, headers: { 'content-type': 'text/plain', ...(await solvedHeaders(server)) } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; delete_token: string };
}

describe('backend-fail-closed', () => {
  it('with every mechanism on: create and read routes answer 503 BACKEND_UNAVAILABLE while the store is down', async () => {
    const { server, store } = await open(ALL_ON);
    const paste = await createPaste(server, 'stored before the outage');
    const pow = await solvedHeaders(server);
    store.down = true;

    expectUnavailable(await server.app.inject({ method: 'POST', url: '/', payload: 'during the outage', headers: { 'content-type': 'text/plain', ...pow } }), 'POST /');
    const form = '--b\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\nContent-Type: text/plain\r\n\r\nfile\r\n--b--\r\n';
    expectUnavailable(await server.app.inject({ method: 'POST', url: '/upload', payload: form, headers: { 'content-type': 'multipart/form-data; boundary=b', ...pow } }), 'POST /upload');
    for (const [method, url] of [
      ['GET', `/${paste.id}`],
      ['HEAD', `/${paste.id}`],
      ['GET', `/${paste.id}/raw`],
      ['GET', `/${guessId()}`],
      ['GET', '/download/apple-banana-cherry-delta-echo-fox'],
      ['GET', '/preview/apple-banana-cherry-delta-echo-fox'],
      ['GET', '/status/apple-banana-cherry-delta-echo-fox'],
      ['GET', '/challenge'],
      ['GET', '/no/such/route'],
    ] as const) {
      const response = await server.app.inject({ method, url });
      if (method === 'HEAD') expect(response.statusCode, `HEAD ${url}`).toBe(503);
      else expectUnavailable(response, `${method} ${url}`);
    }
    expectUnavailable(await server.app.inject({ method: 'DELETE', url: `/${paste.id}`, headers: { 'x-delete-token': paste.delete_token } }), 'DELETE');
    expect(store.calls).toBeGreaterThan(0);
  });

  it('never falls open: 60 requests during an outage, not one served', async () => {
    const { server, store } = await open(ALL_ON);
    const paste = await createPaste(server, 'hammered');
    store.down = true;
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => server.app.inject({ method: 'GET', url: i % 2 ? `/${paste.id}/raw` : `/${paste.id}` })));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(60).fill(503));
  });

  it('each mechanism alone fails closed: rate limits, PoW (flood level), brute-force checks, dedup', async () => {
    const cases: [string, Record<string, string>, (server: Server) => Promise<LightMyRequestResponse>][] = [
      ['read rate limit', { ...ALL_OFF, SEALBIN_RATE_READ: '100/minute' }, (s) => s.app.inject({ method: 'GET', url: `/${guessId()}` })],
      ['create rate limit', { ...ALL_OFF, SEALBIN_RATE_CREATE: '100/minute' }, (s) => s.app.inject({ method: 'POST', url: '/', payload: 'x', headers: { 'content-type': 'text/plain' } })],
      ['proof of work', { ...ALL_OFF, SEALBIN_POW_DIFFICULTY: '8' }, (s) => s.app.inject({ method: 'POST', url: '/', payload: 'x', headers: { 'content-type': 'text/plain', 'x-pow-token': 'a.b', 'x-pow-solution': '1' } })],
      ['brute-force check', { ...ALL_OFF, SEALBIN_BRUTE_MAX: '10' }, (s) => s.app.inject({ method: 'GET', url: `/${guessId()}` })],
      ['duplicate check', { ...ALL_OFF, SEALBIN_DEDUP_MAX: '3' }, (s) => s.app.inject({ method: 'POST', url: '/', payload: 'dup', headers: { 'content-type': 'text/plain' } })],
    ];
    for (const [name, env, request] of cases) {
      const { server, store } = await open(env);
      store.down = true;
      expectUnavailable(await request(server), name);
    }
  });

  it('a PoW token is not burned by an outage at verification time: it works once the backend is back', async () => {
    const { server, store } = await open({ ...ALL_OFF, SEALBIN_POW_DIFFICULTY: '8' });
    const pow = await solvedHeaders(server);
    store.down = true;
    expectUnavailable(await server.app.inject({ method: 'POST', url: '/', payload: 'x', headers: { 'content-type': 'text/plain', ...pow } }), 'POST during outage');
    store.down = false;
    expect((await server.app.inject({ method: 'POST', url: '/', payload: 'x', headers: { 'content-type': 'text/plain', ...pow } })).statusCode).toBe(201);
  });

  it('serves again as soon as the backend is back', async () => {
    const { server, store } = await open(ALL_ON);
    const paste = await createPaste(server, 'survives the outage');
    store.down = true;
    expectUnavailable(await server.app.inject({ method: 'GET', url: `/${paste.id}` }), 'during');
    store.down = false;
    expect((await server.app.inject({ method: 'GET', url: `/${paste.id}` })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: `/${paste.id}/raw` })).body).toBe('survives the outage');
    await createPaste(server, 'created after the outage');
  });

  it('GET /health with its rate limit on still names the failed backend, and its budget holds per instance', async () => {
    const { server, store } = await open({ ...ALL_OFF, SEALBIN_RATE_HEALTH: '3/minute' });
    expect((await server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    store.down = true;
    // A fresh per-instance budget of 3 for the outage: the health body, then 429, never unlimited.
    for (let n = 0; n < 3; n++) {
      const response = await server.app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ status: 'unavailable', checks: { counters: 'failed' } });
    }
    const limited = await server.app.inject({ method: 'GET', url: '/health' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error_code: 'RATE_LIMITED' });
  });

  it('GET /health reports the counter backend: 503 while it is down, even with the health rate limit off', async () => {
    const { server, store } = await open(ALL_OFF);
    expect((await server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    store.down = true;
    expect((await server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(503);
  });
});
