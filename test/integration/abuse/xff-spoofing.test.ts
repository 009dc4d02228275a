// xff-spoofing (black box): X-Forwarded-For from a peer that is not a trusted proxy is ignored, so
// it neither escapes a block nor gets someone else blocked; from a trusted proxy the right-most hop
// that is not itself a trusted proxy is the client; with SEALBIN_PROXY_SECRET set, a trusted peer
// without the right X-Proxy-Secret is just a client. Peers are chosen with localAddress (127.0.0.0/8
// is all loopback): 127.0.0.1 is the trusted proxy, other 127.x addresses are direct clients.
// The oracle is brute-force blocking (3 failed lookups block for 60 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, guessId, hit } from '../../helpers/abuse.js';
import type { HitOptions } from '../../helpers/abuse.js';

const PROXY = '127.0.0.1';
const SECRET = 'proxy-secret-0123456789abcdef';
const BRUTE = { SEALBIN_BRUTE_MAX: '3', SEALBIN_BRUTE_BLOCK: '60' };

let server: RunningServer;
let guarded: RunningServer;
beforeAll(async () => {
  [server, guarded] = await Promise.all([
    startServer({ env: { ...BRUTE, SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32, 10.0.0.0/8' } }),
    startServer({ env: { ...BRUTE, SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32', SEALBIN_PROXY_SECRET: SECRET } }),
  ]);
});
afterAll(async () => {
  await Promise.all([disposeServer(server), disposeServer(guarded)]);
});

/** A failed lookup (404) or the block (429), as `options` says who is asking. */
async function lookup(base: string, options: HitOptions): Promise<number> {
  const response = await hit(base, `/${guessId()}`, options);
  if (response.status === 429) expectErrorHit(response, 429, 'BLOCKED');
  else expect(response.status, response.text).toBe(404);
  return response.status;
}

async function failThrice(base: string, options: (i: number) => HitOptions): Promise<void> {
  for (let i = 0; i < 3; i++) expect(await lookup(base, options(i))).toBe(404);
}

describe('xff-spoofing: from a peer that is not a trusted proxy', () => {
  it('a new X-Forwarded-For on every request does not escape the block', async () => {
    const attacker = '127.0.0.2';
    await failThrice(server.url, (i) => ({ localAddress: attacker, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } }));
    expect(await lookup(server.url, { localAddress: attacker, headers: { 'x-forwarded-for': '203.0.113.99' } })).toBe(429);
    expect(await lookup(server.url, { localAddress: attacker, headers: { 'x-forwarded-for': '10.0.0.1, 127.0.0.1' } })).toBe(429);
    expect(await lookup(server.url, { localAddress: attacker, headers: { 'x-forwarded-for': '::ffff:198.51.100.1' } })).toBe(429);
    expect(await lookup(server.url, { localAddress: attacker })).toBe(429);
  });

  it('naming a victim in X-Forwarded-For gets the attacker blocked, not the victim', async () => {
    const attacker = '127.0.0.3';
    const directVictim = '127.0.0.4';
    const proxiedVictim = '198.51.100.44';
    await failThrice(server.url, (i) => ({ localAddress: attacker, headers: { 'x-forwarded-for': i % 2 ? directVictim : proxiedVictim } }));
    expect(await lookup(server.url, { localAddress: attacker })).toBe(429);
    // The victims are untouched: directly, and behind the trusted proxy.
    expect(await lookup(server.url, { localAddress: directVictim })).toBe(404);
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': proxiedVictim } })).toBe(404);
  });
});

describe('xff-spoofing: from a trusted proxy', () => {
  it('the right-most hop that is not a trusted proxy is the client; left-most (client-chosen) hops do not matter', async () => {
    const client = '198.51.100.60';
    await failThrice(server.url, (i) => ({ localAddress: PROXY, headers: { 'x-forwarded-for': `6.6.6.${i}, ${client}` } }));
    // Prepending anything does not make it someone else.
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': `1.2.3.4, 5.6.7.8, ${client}` } })).toBe(429);
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': client } })).toBe(429);
    // Someone appearing to the right of it is a different client; so is the proxy itself.
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': `${client}, 198.51.100.61` } })).toBe(404);
    expect(await lookup(server.url, { localAddress: PROXY })).toBe(404);
  });

  it('hops written with ports count as the client they name, not as the proxy (xff-port)', async () => {
    const client = '198.51.100.85';
    await failThrice(server.url, (i) => ({ localAddress: PROXY, headers: { 'x-forwarded-for': `${client}:${40000 + i}` } }));
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': client } })).toBe(429);
    // The proxy itself, and a bracketed IPv6 client with a port, are someone else.
    expect(await lookup(server.url, { localAddress: PROXY })).toBe(404);
    const v6 = '2001:db8:80::1';
    await failThrice(server.url, (i) => ({ localAddress: PROXY, headers: { 'x-forwarded-for': `[${v6}]:${443 + i}` } }));
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': v6 } })).toBe(429);
    expect(await lookup(server.url, { localAddress: PROXY })).toBe(404);
  });

  it('hops that are trusted proxies (10.0.0.0/8) are skipped', async () => {
    const client = '198.51.100.70';
    await failThrice(server.url, (i) => ({ localAddress: PROXY, headers: { 'x-forwarded-for': `${client}, 10.0.${i}.1` } }));
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': `${client}, 10.1.1.1, 10.2.2.2` } })).toBe(429);
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': client } })).toBe(429);
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.71, 10.0.0.1' } })).toBe(404);
  });

  it('a blocked client behind the proxy does not block the proxy’s other clients', async () => {
    await failThrice(server.url, () => ({ localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.80' } }));
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.80' } })).toBe(429);
    expect(await lookup(server.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.81' } })).toBe(404);
  });
});

describe('xff-spoofing: with SEALBIN_PROXY_SECRET', () => {
  it('a trusted peer without the right X-Proxy-Secret is the client itself, whatever its X-Forwarded-For says', async () => {
    // No secret, then a wrong one: all three count against 127.0.0.1 itself.
    await failThrice(guarded.url, (i) => ({ localAddress: PROXY, headers: { 'x-forwarded-for': `198.51.100.${90 + i}`, ...(i === 2 ? { 'x-proxy-secret': 'wrong-secret-0123456789abcdef' } : {}) } }));
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.99' } })).toBe(429);
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.99', 'x-proxy-secret': SECRET.slice(0, -1) } })).toBe(429);
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.99', 'x-proxy-secret': `${SECRET}x` } })).toBe(429);
    // With the secret, X-Forwarded-For is believed: these are other clients, not blocked.
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.90', 'x-proxy-secret': SECRET } })).toBe(404);
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '198.51.100.99', 'x-proxy-secret': SECRET } })).toBe(404);
  });

  it('with the secret, blocks land on the forwarded client, not on the proxy', async () => {
    await failThrice(guarded.url, () => ({ localAddress: PROXY, headers: { 'x-forwarded-for': '203.0.113.50', 'x-proxy-secret': SECRET } }));
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '9.9.9.9, 203.0.113.50', 'x-proxy-secret': SECRET } })).toBe(429);
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '203.0.113.51', 'x-proxy-secret': SECRET } })).toBe(404);
  });

  it('knowing the secret does not help a peer that is not a trusted proxy', async () => {
    const outsider = '127.0.0.5';
    await failThrice(guarded.url, (i) => ({ localAddress: outsider, headers: { 'x-forwarded-for': `203.0.113.${60 + i}`, 'x-proxy-secret': SECRET } }));
    expect(await lookup(guarded.url, { localAddress: outsider, headers: { 'x-forwarded-for': '203.0.113.69', 'x-proxy-secret': SECRET } })).toBe(429);
    expect(await lookup(guarded.url, { localAddress: PROXY, headers: { 'x-forwarded-for': '203.0.113.60', 'x-proxy-secret': SECRET } })).toBe(404);
  });
});
