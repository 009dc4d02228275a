// ipv6-rotation-in-64 (black box): an IPv6 client owns a whole /64, so rotating addresses inside it
// shares one rate budget and one brute-force block, while another /64 is someone else; an
// IPv4-mapped IPv6 address is the IPv4 address (also for real sockets on a dual-stack listener).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, guessId, hit } from '../../helpers/abuse.js';
import type { HitOptions } from '../../helpers/abuse.js';

let server: RunningServer;
let v4: string;
let v6: string;
beforeAll(async () => {
  // Dual stack: IPv4 peers arrive as ::ffff:a.b.c.d.
  server = await startServer({ env: { SEALBIN_HOST: '::', SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32', SEALBIN_BRUTE_MAX: '3', SEALBIN_BRUTE_BLOCK: '60', SEALBIN_RATE_READ: '50/minute' } });
  const port = new URL(server.url).port;
  v4 = `http://127.0.0.1:${port}`;
  v6 = `http://[::1]:${port}`;
});
afterAll(async () => {
  await disposeServer(server);
});

const via = (client: string): HitOptions => ({ localAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });

async function lookup(options: HitOptions, base = v4): Promise<{ status: number; remaining: number }> {
  const response = await hit(base, `/${guessId()}`, options);
  if (response.status === 429) expectErrorHit(response, 429, 'BLOCKED');
  else expect(response.status, response.text).toBe(404);
  return { status: response.status, remaining: Number(response.header('x-ratelimit-remaining')) };
}

describe('ipv6-rotation-in-64', () => {
  it('rotating addresses inside one /64 does not escape a block; another /64 is not blocked', async () => {
    for (const address of ['2001:db8:aa:1::1', '2001:db8:aa:1::2', '2001:db8:aa:1:ffff:ffff:ffff:ffff']) expect((await lookup(via(address))).status).toBe(404);
    for (const address of ['2001:db8:aa:1:1234:5678:9abc:def0', '2001:0db8:00aa:0001:0000:0000:0000:0005', '2001:DB8:AA:1::6', '[2001:db8:aa:1::7]', '2001:db8:aa:1::198.51.100.1']) {
      expect((await lookup(via(address))).status, address).toBe(429);
    }
    for (const address of ['2001:db8:aa:2::1', '2001:db8:aa::1', '2001:db8:ab:1::1']) expect((await lookup(via(address))).status, address).toBe(404);
  });

  it('addresses inside one /64 share one rate budget; another /64 has its own', async () => {
    const first = await lookup(via('2001:db8:bb:1::1'));
    const second = await lookup(via('2001:db8:bb:1:dead:beef::2'));
    const third = await lookup(via('2001:0db8:00bb:0001::3'));
    expect([first.remaining, second.remaining, third.remaining]).toEqual([49, 48, 47]);
    expect((await lookup(via('2001:db8:bb:2::1'))).remaining).toBe(49);
  });

  it('an IPv4-mapped IPv6 address is the IPv4 address', async () => {
    expect((await lookup(via('::ffff:198.51.100.90'))).status).toBe(404);
    expect((await lookup(via('198.51.100.90'))).status).toBe(404);
    expect((await lookup(via('::FFFF:198.51.100.90'))).status).toBe(404);
    expect((await lookup(via('198.51.100.90'))).status).toBe(429);
    expect((await lookup(via('::ffff:198.51.100.90'))).status).toBe(429);
    // Its IPv4 neighbour is someone else.
    expect((await lookup(via('198.51.100.91'))).status).toBe(404);
  });

  it('a real IPv4 peer on a dual-stack listener (::ffff:127.0.0.6) counts as 127.0.0.6', async () => {
    const peer = '127.0.0.6';
    for (let i = 0; i < 3; i++) expect((await lookup({ localAddress: peer })).status).toBe(404);
    expect((await lookup({ localAddress: peer })).status).toBe(429);
    // The same client named by the trusted proxy, in either spelling, is blocked too.
    expect((await lookup(via(peer))).status).toBe(429);
    expect((await lookup(via(`::ffff:${peer}`))).status).toBe(429);
    // A real IPv6 peer (::1) is a different client.
    expect((await lookup({}, v6)).status).toBe(404);
  });
});
