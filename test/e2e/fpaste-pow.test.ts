// fpaste and proof of work, end to end: solved automatically at a real difficulty, and a stale
// challenge (here: one already spent) is replaced by a fresh one, at most 5 times.
import { request as httpRequest, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../src/security/pow.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

interface Challenge {
  enabled: boolean;
  difficulty: number;
  nonce: string;
  token: string;
}

/**
 * A pass-through proxy that, for the first `staleChallenges` GET /challenge requests, hands out a
 * challenge it has already spent on a paste of its own: the CLI's solution is then POW_INVALID.
 */
class StaleChallengeProxy {
  challenges = 0;
  rejectedCreates = 0;
  private server: Server;
  url = '';

  constructor(
    private readonly target: string,
    public staleChallenges: number,
  ) {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.url?.startsWith('/challenge')) {
      this.challenges++;
      if (this.challenges <= this.staleChallenges) {
        const challenge = (await (await fetch(`${this.target}${request.url}`)).json()) as Challenge;
        const spent = await fetch(`${this.target}/`, { method: 'POST', body: `spent by the proxy ${this.challenges}`, headers: { 'x-pow-token': challenge.token, 'x-pow-solution': solve(challenge.nonce, challenge.difficulty) } });
        expect(spent.status).toBe(201);
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(challenge));
        return;
      }
    }
    const upstream = httpRequest(`${this.target}${request.url ?? '/'}`, { method: request.method, headers: request.headers }, (reply) => {
      if (request.method === 'POST' && reply.statusCode === 400) this.rejectedCreates++;
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('fpaste proof of work at difficulty 12', () => {
  let server: RunningServer;
  let proxy: StaleChallengeProxy;
  let user: FpasteUser;

  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '12', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
    proxy = new StaleChallengeProxy(server.url, 0);
    await proxy.start();
    user = new FpasteUser(proxy.url);
  });

  afterAll(async () => {
    user?.dispose();
    await proxy?.stop();
    await server?.dispose();
  });

  it('solves the challenge by itself; info shows the difficulty', async () => {
    const info = expectExit(await user.run(['info']), 0);
    expect(info.out).toMatch(/proof of work:\s+on, difficulty 12 bits/);
    const url = printedUrl(expectExit(await user.run([], { input: 'worked for it' }), 0));
    expect(expectExit(await user.run(['get', url]), 0).out).toBe('worked for it');
    // Without a solution the server refuses: the CLI really did the work.
    const bare = await fetch(`${server.url}/`, { method: 'POST', body: 'no work' });
    expect(bare.status).toBe(400);
  });

  it('a stale challenge is replaced by a fresh one and the paste is created', async () => {
    proxy.challenges = 0;
    proxy.rejectedCreates = 0;
    proxy.staleChallenges = 1;
    const result = expectExit(await user.run([], { input: 'second try' }), 0);
    expect(proxy.challenges).toBe(2);
    expect(proxy.rejectedCreates).toBe(1);
    expect(expectExit(await user.run(['get', printedUrl(result)]), 0).out).toBe('second try');
  });

  it('a file body is sent again in full after a stale challenge', async () => {
    proxy.challenges = 0;
    proxy.staleChallenges = 3;
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const data = Buffer.alloc(3 * 1024 * 1024, 'abc');
    writeFileSync(join(user.work, 'big.txt'), data);
    const url = printedUrl(expectExit(await user.run(['big.txt']), 0));
    expect(proxy.challenges).toBe(4);
    expect(expectExit(await user.run(['get', url]), 0).stdout.equals(data)).toBe(true);
  });

  it('gives up after 5 retries with a clear error (exit 1)', async () => {
    proxy.challenges = 0;
    proxy.staleChallenges = 100;
    const result = expectExit(await user.run([], { input: 'never accepted' }), 1);
    expect(proxy.challenges).toBe(6);
    expect(result.stderr.trim()).toMatch(/^fpaste: the server rejected the proof of work 6 times, giving up: proof of work rejected: .*already used/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('fpaste proof of work at the default difficulty (20 bits)', () => {
  let server: RunningServer;
  let user: FpasteUser;

  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '20', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
    user = new FpasteUser(server.url);
  });

  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
  });

  it('creates a paste at the real default difficulty', async () => {
    const started = Date.now();
    const url = printedUrl(expectExit(await user.run([], { input: 'real work', timeoutMs: 120_000 }), 0));
    const seconds = (Date.now() - started) / 1000;
    expect(expectExit(await user.run(['get', url]), 0).out).toBe('real work');
    // ~1M hashes expected: seconds, not minutes, even on a busy 2-core machine.
    expect(seconds).toBeLessThan(60);
  }, 150_000);
});
