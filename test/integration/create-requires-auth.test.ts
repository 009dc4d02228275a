// auth-only creation (black box, over TLS, issue 15): with SEALBIN_CREATE_REQUIRES_AUTH=1 every
// creation route (POST /, /upload, /s) refuses an anonymous client with 401 AUTH_REQUIRED from the
// headers: nothing is stored, no create budget and no proof-of-work token is spent (the same token
// then works for a certificate holder, who gets 201); PUT still needs its owner; reads stay public;
// /register stays open (it is how one gets a certificate); GET / says so.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../src/security/pow.js';
import { blobFiles } from '../helpers/data-dir.js';
import { filePart, multipartBody, multipartType } from '../helpers/multipart.js';
import { createCa, expectErr, expectStatus, makeCsr, makeLeaf, register, startIdentityServer } from './identity/support.js';
import type { Client, IdentityServer, Reply } from './identity/support.js';

const POW = 8;

let s: IdentityServer;
let anon: Client;
let user: Client;
let admin: Client;

beforeAll(async () => {
  s = await startIdentityServer({
    env: {
      SEALBIN_CREATE_REQUIRES_AUTH: '1',
      SEALBIN_POW_DIFFICULTY: String(POW),
      // Certificate holders solve it too here, so a token refused to an anonymous client can be reused.
      SEALBIN_POW_FOR_AUTHENTICATED: '1',
      // Six creations per hour per address (or owner): the three 401s, had they cost budget, would leave only three registrations.
      SEALBIN_RATE_CREATE: '6/hour',
      SEALBIN_REGISTER_DIFFICULTY: '0',
      SEALBIN_FLOOD_THRESHOLD: '1000',
    },
  });
  anon = s.client();
  admin = s.as(s.externalAdmin);
  const leaf = makeLeaf(s.work, 'member', s.trustedCa, '/CN=member/O=Partner');
  user = s.as({ cert: leaf.cert, key: leaf.key });
});
afterAll(async () => {
  await s?.dispose();
});

async function solved(): Promise<Record<string, string>> {
  const reply = await anon.get('/challenge');
  expectStatus(reply, 200);
  const challenge = reply.json<{ nonce: string; token: string; difficulty: number }>();
  return { 'x-pow-token': challenge.token, 'x-pow-solution': solve(challenge.nonce, challenge.difficulty) };
}

const BIG = randomBytes(100_000); // over the inline limit: a refused upload would leave a blob

const creations: [string, (client: Client, pow: Record<string, string>) => Promise<Reply>][] = [
  ['POST /', (client, pow) => client.request('POST', '/', { headers: { 'content-type': 'application/octet-stream', ...pow }, body: BIG })],
  ['POST /upload', (client, pow) => client.request('POST', '/upload', { headers: { 'content-type': multipartType(), ...pow }, body: multipartBody([filePart(BIG, 'big.bin')]) })],
  ['POST /s', (client, pow) => client.request('POST', '/s', { headers: { 'content-type': 'text/plain', ...pow }, body: 'https://example.org/members-only' })],
];

describe('SEALBIN_CREATE_REQUIRES_AUTH=1', () => {
  it('POST /tus (a resumable creation): anonymous 401 before budget and proof of work; the same token then works with a certificate', async () => {
    const pow = await solved();
    const tus = { 'tus-resumable': '1.0.0', 'upload-length': String(BIG.length) };
    const refused = await anon.request('POST', '/tus', { headers: { ...tus, ...pow } });
    expectErr(refused, 401, 'AUTH_REQUIRED');
    expect(refused.header('x-ratelimit-remaining')).toBeUndefined();
    const accepted = await user.request('POST', '/tus', { headers: { ...tus, ...pow } });
    expectStatus(accepted, 201);
    expect(accepted.header('location')).toMatch(/\/tus\/[0-9a-f]{32}$/);
  });

  it('GET / tells clients that creation needs a certificate', async () => {
    const info = (await anon.get('/')).json<{ create_requires_auth: boolean }>();
    expect(info.create_requires_auth).toBe(true);
  });

  it('every creation route: anonymous 401 with nothing stored and nothing spent; the same PoW token then works with a certificate', async () => {
    const created: string[] = [];
    for (const [route, send] of creations) {
      const pow = await solved();
      const before = blobFiles(s.server.dataDir);
      const refused = await send(anon, pow);
      const body = expectErr(refused, 401, 'AUTH_REQUIRED');
      expect(body.message, route).toMatch(/registered clients/);
      // Refused before the rate limit: no budget was taken (no X-RateLimit headers at all).
      expect(refused.header('x-ratelimit-remaining'), route).toBeUndefined();
      expect(blobFiles(s.server.dataDir), route).toEqual(before);
      // The token was neither checked nor spent: a certificate holder can use it.
      const accepted = await send(user, pow);
      expectStatus(accepted, 201);
      created.push(accepted.json<{ id: string }>().id);
    }
    // Only what the certificate holder made exists.
    const listed = (await admin.get('/pastes?all=1')).json<{ pastes: { id: string }[] }>().pastes.map((p) => p.id);
    expect(listed.sort()).toEqual(created.slice(0, 2).sort());
    expect((await admin.get('/s')).status).toBe(200);
  });

  it('reads stay public; PUT and DELETE still need the owner', async () => {
    const paste = await admin.paste('members write, everyone reads', await solved());
    expectStatus(paste, 201);
    const { id, url } = paste.json<{ id: string; url: string }>();
    const raw = await anon.get(`/${id}/raw`);
    expectStatus(raw, 200);
    expect(raw.text).toBe('members write, everyone reads');
    expect(url).toContain(id);
    // From another address: PUT spends the create budget before it finds no owner, as it always did.
    const stranger = s.client({ localAddress: '127.0.0.3' });
    expectErr(await stranger.request('PUT', `/${id}`, { headers: { 'content-type': 'text/plain' }, body: 'x' }), 401, 'AUTH_REQUIRED');
    expectErr(await stranger.request('DELETE', `/${id}`), 401, 'AUTH_REQUIRED');
    const updated = await admin.request('PUT', `/${id}`, { headers: { 'content-type': 'text/plain', 'x-max-downloads': '2' }, body: 'changed' });
    expectStatus(updated, 200);
    expect(updated.json<{ downloads_remaining: number | null }>().downloads_remaining).toBe(2);
    // A PUT that makes it burn leaves one read; a limit on a burn item needs burning turned off with it.
    const burning = await admin.request('PUT', `/${id}`, { headers: { 'x-burn-after-read': '1', 'content-length': '0' } });
    expectStatus(burning, 200);
    expect(burning.json()).toMatchObject({ burn_after_read: true, downloads_remaining: 1 });
    expectErr(await admin.request('PUT', `/${id}`, { headers: { 'x-max-downloads': '5', 'content-length': '0' } }), 400, 'INVALID_REQUEST');
    const limited = await admin.request('PUT', `/${id}`, { headers: { 'x-max-downloads': '5', 'x-burn-after-read': '0', 'content-length': '0' } });
    expect(limited.json()).toMatchObject({ burn_after_read: false, downloads_remaining: 5 });
  });

  it('an anonymous client refused three times still has its whole create budget: /register stays open', async () => {
    await createCa(anon);
    for (const [, send] of creations) expectErr(await send(anon, await solved()), 401, 'AUTH_REQUIRED');
    // /register shares the create budget (6/hour per address) and is not gated: all six fit.
    for (let n = 1; n <= 6; n++) {
      const name = `newcomer-${n}`;
      const csr = makeCsr(s.work, name, `/CN=${name}`);
      const issued = await register(anon, { common_name: name, csr: csr.csr });
      const registered = s.as({ cert: issued.certificate, key: csr.key });
      // A registered client can then create.
      expectStatus(await registered.paste(`hello from ${name}`, await solved()), 201);
    }
    // The budget is now spent for real, which proves it was counted all along.
    expectErr(await anon.post('/register', { common_name: 'third' }), 429, 'RATE_LIMITED');
  });

});
