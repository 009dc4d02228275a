// bruteforce-block-and-expiry: SEALBIN_BRUTE_MAX failed lookups (404) per client per action block
// that client for that action (valid ids included) for SEALBIN_BRUTE_BLOCK seconds: 429 BLOCKED with
// Retry-After. Black box with a 5 s block (clients told apart through the loopback proxy), plus the
// default 1800 s block over HTTP in-process, expired by advancing an injected clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { openServer } from '../../../src/server.js';
import type { Server } from '../../../src/server.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';
import { disposeServer, eventually, expectErrorHit, expectSeconds, guessId, hit, postPaste, postUpload } from '../../helpers/abuse.js';
import type { HitOptions } from '../../helpers/abuse.js';

const GUESS_KEY = 'apple-banana-cherry-delta-echo-fox';
/**
 * Block time of the black-box server. Counted in whole seconds, a block (and the window that counts
 * failures) lasts between BLOCK - 1 and BLOCK seconds: long enough for a busy 2-core machine to send
 * the requests that must land inside it, short enough to wait out once.
 */
const BLOCK = 5;

describe('bruteforce-block-and-expiry (black box, 5 s block)', () => {
  let server: RunningServer;
  let paste: { id: string; deleteToken: string };
  let key: string;

  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_BRUTE_MAX: '3', SEALBIN_BRUTE_BLOCK: String(BLOCK), SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32' } });
    const created = await postPaste(server.url, 'a valid paste');
    expect(created.status).toBe(201);
    paste = { id: String(created.json()['id']), deleteToken: String(created.json()['delete_token']) };
    const uploaded = await postUpload(server.url, 'a valid file share', 'share.txt');
    expect(uploaded.status).toBe(201);
    key = String(uploaded.json()['key']);
  });
  afterAll(async () => {
    await disposeServer(server);
  });

  const as = (client: string, headers: Record<string, string> = {}): HitOptions => ({ headers: { 'x-forwarded-for': client, ...headers } });

  it('blocks after the maximum of failed lookups, valid ids included, on every paste route; other actions and clients unaffected; unblocked after the block time', async () => {
    const attacker = '203.0.113.1';
    let lastFailureSentAt = 0;
    for (let i = 0; i < 3; i++) {
      lastFailureSentAt = Date.now();
      expect((await hit(server.url, `/${guessId()}`, as(attacker))).status).toBe(404);
    }

    const blocked = await hit(server.url, `/${paste.id}`, as(attacker));
    expectErrorHit(blocked, 429, 'BLOCKED');
    expectSeconds(blocked.header('retry-after'), 1, BLOCK);
    expectErrorHit(await hit(server.url, `/${paste.id}/raw`, as(attacker)), 429, 'BLOCKED');
    expect((await hit(server.url, `/${paste.id}`, { ...as(attacker), method: 'HEAD' })).status).toBe(429);
    // Not even the owner's delete gets through from a blocked address (and nothing is deleted).
    expectErrorHit(await hit(server.url, `/${paste.id}`, { ...as(attacker, { 'x-delete-token': paste.deleteToken }), method: 'DELETE' }), 429, 'BLOCKED');

    // Other actions of the same client: not blocked.
    expect((await hit(server.url, `/status/${key}`, as(attacker))).status).toBe(200);
    expect((await hit(server.url, `/preview/${key}`, as(attacker))).status).toBe(200);
    expect((await hit(server.url, `/download/${key}`, as(attacker))).status).toBe(200);
    // Other clients: not blocked.
    expect((await hit(server.url, `/${paste.id}`, as('203.0.113.2'))).status).toBe(200);
    expect((await hit(server.url, `/${paste.id}`)).status).toBe(200);

    // After the block time the valid id answers again (polled: every try meanwhile is still a 429).
    expect(await eventually(async () => (await hit(server.url, `/${paste.id}`, as(attacker))).status === 200, (BLOCK + 5) * 1000, 250)).toBe(true);
    // Not before the block was over: it started with the 3rd failure and lasts at least BLOCK - 1 s.
    expect(Date.now() - lastFailureSentAt).toBeGreaterThanOrEqual((BLOCK - 1) * 1000);
    expect((await hit(server.url, `/${paste.id}/raw`, as(attacker))).status).toBe(200);
  });

  it('counts 404s of GET, HEAD, raw and DELETE on paste ids together', async () => {
    const attacker = '203.0.113.3';
    expect((await hit(server.url, `/${guessId()}`, as(attacker))).status).toBe(404);
    expect((await hit(server.url, `/${guessId()}/raw`, as(attacker))).status).toBe(404);
    expect((await hit(server.url, `/${guessId()}`, { ...as(attacker, { 'x-delete-token': 'guess' }), method: 'DELETE' })).status).toBe(404);
    expectErrorHit(await hit(server.url, `/${paste.id}`, as(attacker)), 429, 'BLOCKED');
  });

  it('download, preview and status are separate actions: guessing keys on one blocks only that one', async () => {
    for (const action of ['download', 'preview', 'status']) {
      const attacker = `203.0.113.${action.length + 10}`;
      for (let i = 0; i < 3; i++) expect((await hit(server.url, `/${action}/${GUESS_KEY}`, as(attacker))).status).toBe(404);
      const blocked = await hit(server.url, `/${action}/${key}`, as(attacker));
      expectErrorHit(blocked, 429, 'BLOCKED');
      expectSeconds(blocked.header('retry-after'), 1, BLOCK);
      for (const other of ['download', 'preview', 'status'].filter((a) => a !== action)) {
        expect((await hit(server.url, `/${other}/${key}`, as(attacker))).status, `${action} blocks ${other}?`).toBe(200);
      }
      expect((await hit(server.url, `/${paste.id}`, as(attacker))).status).toBe(200);
    }
  });

  it('404s of unknown routes and successful lookups are not failures', async () => {
    const client = '203.0.113.30';
    for (let i = 0; i < 5; i++) expect((await hit(server.url, `/no/such/route/${i}`, as(client))).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await hit(server.url, `/${paste.id}`, as(client))).status).toBe(200);
    expect((await hit(server.url, `/${guessId()}`, as(client))).status).toBe(404);
    expect((await hit(server.url, `/${paste.id}`, as(client))).status).toBe(200);
  });

  it('malformed ids and keys are failed lookups too (404s from the same routes)', async () => {
    const attacker = '203.0.113.31';
    for (const path of ['/not-an-id', '/ZZZZ', `/${'0'.repeat(31)}`]) expect((await hit(server.url, path, as(attacker))).status).toBe(404);
    expectErrorHit(await hit(server.url, `/${paste.id}`, as(attacker)), 429, 'BLOCKED');
  });
});

describe('bruteforce-block-and-expiry (in-process, default 10 failures / 1800 s, injected clock)', () => {
  let dataDir: string;
  let clock: FakeClock;
  let server: Server;
  let id: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sealbin-brute-'));
    clock = fakeClock(Math.floor(Date.now() / 1000));
    const config = loadConfig({ SEALBIN_DATA_DIR: dataDir, SEALBIN_LOG_LEVEL: 'silent', SEALBIN_POW_DIFFICULTY: '0', SEALBIN_RATE_READ: 'off', SEALBIN_RATE_CREATE: 'off' });
    expect(config.bruteMax).toBe(10);
    expect(config.bruteBlock).toBe(1800);
    server = await openServer(config, pino({ level: 'silent' }), { clock });
    const created = await server.app.inject({ method: 'POST', url: '/', payload: 'valid', headers: { 'content-type': 'text/plain' } });
    expect(created.statusCode, created.body).toBe(201);
    id = (created.json() as { id: string }).id;
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (path: string, remoteAddress: string) => server.app.inject({ method: 'GET', url: path, remoteAddress });

  it('blocks on the 10th failure for 1800 s, counting Retry-After down, and lets the client back after', async () => {
    const attacker = '203.0.113.77';
    for (let i = 0; i < 9; i++) expect((await get(`/${guessId()}`, attacker)).statusCode).toBe(404);
    expect((await get(`/${id}`, attacker)).statusCode).toBe(200);
    expect((await get(`/${guessId()}`, attacker)).statusCode).toBe(404);

    const blocked = await get(`/${id}`, attacker);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ error_code: 'BLOCKED' });
    expect(blocked.headers['retry-after']).toBe('1800');
    expect((await get(`/${id}`, '203.0.113.78')).statusCode).toBe(200);

    clock.advance(1000);
    expect((await get(`/${id}`, attacker)).headers['retry-after']).toBe('800');
    clock.advance(799);
    const last = await get(`/${id}`, attacker);
    expect(last.statusCode).toBe(429);
    expect(last.headers['retry-after']).toBe('1');
    clock.advance(1);
    expect((await get(`/${id}`, attacker)).statusCode).toBe(200);
    // A fresh count: one failure does not re-block.
    expect((await get(`/${guessId()}`, attacker)).statusCode).toBe(404);
    expect((await get(`/${id}`, attacker)).statusCode).toBe(200);
  });

  it('an IPv6 attacker rotating inside its /64 is blocked as one client', async () => {
    for (let i = 0; i < 10; i++) expect((await get(`/${guessId()}`, `2001:db8:77:1::${(i + 1).toString(16)}`)).statusCode).toBe(404);
    expect((await get(`/${id}`, '2001:db8:77:1:abcd::1')).statusCode).toBe(429);
    expect((await get(`/${id}`, '2001:db8:77:2::1')).statusCode).toBe(200);
  });
});
