// pow-expired (in-process over HTTP, injected clock): a challenge from GET /challenge is good for
// 600 s; solving it and sending it later gets 400 POW_INVALID, without waiting ten minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { CHALLENGE_TTL_SECONDS, solve } from '../../../src/security/pow.js';
import { openServer } from '../../../src/server.js';
import type { Server } from '../../../src/server.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';

let dataDir: string;
let clock: FakeClock;
let server: Server;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sealbin-pow-expired-'));
  clock = fakeClock(Math.floor(Date.now() / 1000));
  const config = loadConfig({ SEALBIN_DATA_DIR: dataDir, SEALBIN_LOG_LEVEL: 'silent', SEALBIN_POW_DIFFICULTY: '8', SEALBIN_FLOOD_THRESHOLD: '1000000', SEALBIN_RATE_CREATE: 'off', SEALBIN_RATE_READ: 'off' });
  server = await openServer(config, pino({ level: 'silent' }), { clock });
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function solvedChallenge(): Promise<{ expires: number; headers: Record<string, string> }> {
  const response = await server.app.inject({ method: 'GET', url: '/challenge' });
  expect(response.statusCode).toBe(200);
  const challenge = response.json() as { token: string; nonce: string; difficulty: number; expires: number };
  return { expires: challenge.expires, headers: { 'x-pow-token': challenge.token, 'x-pow-solution': solve(challenge.nonce, challenge.difficulty) } };
}

const create = (headers: Record<string, string>) => server.app.inject({ method: 'POST', url: '/', payload: `paste ${Math.random()}`, headers: { 'content-type': 'text/plain', ...headers } });

describe('pow-expired', () => {
  it('the challenge says when it expires: 600 s from now', async () => {
    const { expires } = await solvedChallenge();
    expect(expires).toBe(clock.now() + CHALLENGE_TTL_SECONDS);
  });

  it('a solution sent one second before expiry is accepted', async () => {
    const { headers } = await solvedChallenge();
    clock.advance(CHALLENGE_TTL_SECONDS - 1);
    expect((await create(headers)).statusCode).toBe(201);
  });

  it('a stockpiled solution sent at or after expiry gets 400 POW_INVALID', async () => {
    const stockpile = [await solvedChallenge(), await solvedChallenge()];
    clock.advance(CHALLENGE_TTL_SECONDS);
    const atExpiry = await create(stockpile[0]!.headers);
    expect(atExpiry.statusCode).toBe(400);
    expect(atExpiry.json()).toMatchObject({ error_code: 'POW_INVALID' });
    clock.advance(86_400);
    expect((await create(stockpile[1]!.headers)).json()).toMatchObject({ error_code: 'POW_INVALID' });
    // A fresh challenge works at the new time.
    expect((await create((await solvedChallenge()).headers)).statusCode).toBe(201);
  });
});
