// list-pastes (black box, over TLS): GET /pastes lists the caller's own items, newest first, with
// a MIME-glob type filter, after/before (Unix seconds), limit and an opaque cursor whose pages cover
// every item exactly once. all=1 is an admin power (403 otherwise). Anonymous callers get 401.
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createPasteAs, expectErr, expectStatus, makeCsr, register, sleep, startIdentityServer } from './support.js';
import type { Client, IdentityServer, Issued, PasteView } from './support.js';

interface Page {
  pastes: PasteView[];
  next_cursor: string | null;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A valid 1x1 RGBA PNG whose pixel is `shade` (so each one has its own hash). */
function png(shade: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from([0, shade, 0, 0, 0xff]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

let s: IdentityServer;
let anon: Client;
let alice: Client;
let bob: Client;
let admin: Client;
let aliceCert: Issued;
let bobCert: Issued;
/** Alice's items: an early batch and (two seconds later) a late batch. */
let early: PasteView[];
let late: PasteView[];
let bobs: PasteView[];
let anonymous: PasteView;
let adminOwn: PasteView;
let expiredId: string;

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0' } });
  anon = s.client();
  admin = s.as(s.externalAdmin);
  await createCa(anon);
  const user = async (name: string): Promise<{ client: Client; issued: Issued }> => {
    const csr = makeCsr(s.work, name, `/CN=${name}`);
    const issued = await register(anon, { common_name: name, csr: csr.csr });
    return { client: s.as({ cert: issued.certificate, key: csr.key }), issued };
  };
  ({ client: alice, issued: aliceCert } = await user('alice'));
  ({ client: bob, issued: bobCert } = await user('bob'));

  // Bob's first paste expires long before anything is listed.
  const ephemeral = await createPasteAs(bob, 'bob ephemeral', { 'x-expiry': '1' });
  expiredId = ephemeral.id;
  early = [];
  for (let i = 0; i < 4; i++) early.push(await createPasteAs(alice, `alice early text ${i}`));
  early.push(await createPasteAs(alice, png(1)));
  // A gap of at least two whole seconds separates the batches, so one boundary second between them
  // holds no item and inclusive/exclusive bounds cannot matter.
  const pivot = Math.max(...early.map((p) => p.created_at));
  while (Math.floor(Date.now() / 1000) < pivot + 2) await sleep(100);
  late = [];
  late.push(await createPasteAs(alice, png(2)));
  late.push(await createPasteAs(alice, 'alice late text'));
  late.push(await createPasteAs(alice, png(3)));
  expect(Math.min(...late.map((p) => p.created_at))).toBeGreaterThanOrEqual(pivot + 2);

  bobs = [await createPasteAs(bob, 'bob one'), await createPasteAs(bob, png(4))];
  anonymous = await createPasteAs(anon, 'anonymous one');
  adminOwn = await createPasteAs(admin, 'admin own');
});
afterAll(async () => {
  await s?.dispose();
});

async function list(client: Client, query = ''): Promise<Page> {
  const reply = await client.get(`/pastes${query}`);
  expectStatus(reply, 200);
  expect(reply.header('content-type')).toBe('application/json; charset=utf-8');
  return reply.json<Page>();
}

/** Follows next_cursor to the end; returns the pages. */
async function allPages(client: Client, query: string): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const sep = query === '' ? '?' : '&';
    const page: Page = await list(client, cursor === null ? `?${query}` : `?${query}${sep}cursor=${encodeURIComponent(cursor)}`);
    pages.push(page);
    cursor = page.next_cursor;
    expect(pages.length).toBeLessThan(50);
  } while (cursor !== null);
  return pages;
}

const ids = (items: readonly PasteView[]) => items.map((p) => p.id).sort();

describe('list-pastes', () => {
  it('anonymous: 401 AUTH_REQUIRED', async () => {
    expectErr(await anon.get('/pastes'), 401, 'AUTH_REQUIRED');
    expectErr(await anon.get('/pastes?all=1'), 401, 'AUTH_REQUIRED');
  });

  it('a user sees exactly their own items, newest first, with the paste fields and no delete token', async () => {
    const page = await list(alice);
    expect(ids(page.pastes)).toEqual(ids([...early, ...late]));
    expect(page.next_cursor).toBeNull();
    for (const item of page.pastes) {
      expect(item.owner).toBe(aliceCert.fingerprint);
      expect(item).not.toHaveProperty('delete_token');
      expect(Object.keys(item)).toEqual(expect.arrayContaining(['id', 'url', 'raw', 'size', 'mime_type', 'sha256', 'created_at', 'expires_at', 'burn_after_read', 'owner']));
    }
    const times = page.pastes.map((p) => p.created_at);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(ids((await list(bob)).pastes)).toEqual(ids(bobs));
  });

  it('expired items are not listed', async () => {
    expect((await list(bob)).pastes.map((p) => p.id)).not.toContain(expiredId);
    expect((await list(admin, '?all=1')).pastes.map((p) => p.id)).not.toContain(expiredId);
  });

  it('type=image/* lists only the (real) PNGs; type=text/* only the texts; * everything', async () => {
    const images = (await list(alice, '?type=image/*')).pastes;
    expect(ids(images)).toEqual(ids([...early, ...late].filter((p) => p.mime_type === 'image/png')));
    expect(images).toHaveLength(3);
    expect(images.every((p) => p.mime_type === 'image/png')).toBe(true);
    expect(ids((await list(alice, '?type=image/png')).pastes)).toEqual(ids(images));
    const texts = (await list(alice, '?type=text/*')).pastes;
    expect(texts).toHaveLength(5);
    expect(texts.every((p) => p.mime_type.startsWith('text/'))).toBe(true);
    expect((await list(alice, '?type=*')).pastes).toHaveLength(8);
    expect((await list(alice, '?type=application/pdf')).pastes).toHaveLength(0);
  });

  it('a malformed type is refused, and SQL wildcards are not wildcards', async () => {
    expectErr(await alice.get('/pastes?type=not a type'), 400, 'INVALID_REQUEST');
    for (const glob of ['%', 'image/%25', '%25/%25', 'i_age/png', "image/png'--"]) {
      const reply = await alice.get(`/pastes?type=${glob.includes('%25') ? glob : encodeURIComponent(glob)}`);
      if (reply.status === 200) expect(reply.json<Page>().pastes, glob).toHaveLength(0);
      else expectErr(reply, 400, 'INVALID_REQUEST');
    }
  });

  it('after and before (Unix seconds) split the two batches', async () => {
    const pivot = Math.max(...early.map((p) => p.created_at)) + 1;
    expect(ids((await list(alice, `?after=${pivot}`)).pastes)).toEqual(ids(late));
    expect(ids((await list(alice, `?before=${pivot}`)).pastes)).toEqual(ids(early));
    expect(ids((await list(alice, `?after=${pivot}&type=image/*`)).pastes)).toEqual(ids(late.filter((p) => p.mime_type === 'image/png')));
    expect((await list(alice, `?after=${pivot}&before=${pivot}`)).pastes).toHaveLength(0);
    expectErr(await alice.get('/pastes?after=yesterday'), 400, 'INVALID_REQUEST');
    expectErr(await alice.get('/pastes?before=-1'), 400, 'INVALID_REQUEST');
  });

  it('limit + next_cursor: pages of at most `limit` that cover every item exactly once', async () => {
    for (const limit of [1, 2, 3, 8]) {
      const pages = await allPages(alice, `limit=${limit}`);
      const seen = pages.flatMap((page) => page.pastes.map((p) => p.id));
      expect(seen.length, `limit=${limit}`).toBe(8);
      expect(new Set(seen).size).toBe(8);
      expect(seen.sort()).toEqual(ids([...early, ...late]));
      expect(pages.every((page) => page.pastes.length <= limit)).toBe(true);
      expect(pages.at(-1)?.next_cursor).toBeNull();
      if (limit < 8) expect(pages[0]?.next_cursor).toEqual(expect.any(String));
    }
    // Filters hold across pages.
    const images = (await allPages(alice, 'type=image/*&limit=1')).flatMap((page) => page.pastes);
    expect(images.map((p) => p.id).sort()).toEqual(ids((await list(alice, '?type=image/*')).pastes));
  });

  it('limit outside 1..200 or a forged cursor is 400, never 500', async () => {
    expectErr(await alice.get('/pastes?limit=0'), 400, 'INVALID_REQUEST');
    expectErr(await alice.get('/pastes?limit=abc'), 400, 'INVALID_REQUEST');
    const big = await alice.get('/pastes?limit=1000');
    if (big.status === 200) expect(big.json<Page>().pastes.length).toBeLessThanOrEqual(200);
    else expectErr(big, 400, 'INVALID_REQUEST');
    expectErr(await alice.get('/pastes?cursor=not-a-cursor'), 400, 'INVALID_REQUEST');
    expectErr(await alice.get(`/pastes?cursor=${Buffer.from("1:' OR 1=1 --").toString('base64url')}`), 400, 'INVALID_REQUEST');
  });

  it('another user\'s cursor shows only one\'s own items', async () => {
    const first = await list(alice, '?limit=1');
    const cursor = first.next_cursor as string;
    const page = await list(bob, `?cursor=${encodeURIComponent(cursor)}`);
    expect(page.pastes.every((p) => p.owner === bobCert.fingerprint)).toBe(true);
  });

  it('all=1: 403 FORBIDDEN for a non-admin; every owner (anonymous included) for an admin', async () => {
    expectErr(await alice.get('/pastes?all=1'), 403, 'FORBIDDEN');
    expectErr(await bob.get('/pastes?all=true'), 403, 'FORBIDDEN');
    const everything = (await allPages(admin, 'all=1&limit=5')).flatMap((page) => page.pastes);
    expect(ids(everything)).toEqual(ids([...early, ...late, ...bobs, anonymous, adminOwn]));
    const owners = new Set(everything.map((p) => p.owner));
    expect(owners).toEqual(new Set([aliceCert.fingerprint, bobCert.fingerprint, null, adminOwn.owner]));
    // Without all=1 an admin lists only their own.
    expect(ids((await list(admin)).pastes)).toEqual([adminOwn.id]);
    // all=1 combines with the filters.
    expect(ids((await list(admin, '?all=1&type=image/*')).pastes)).toEqual(ids([...early, ...late, ...bobs].filter((p) => p.mime_type === 'image/png')));
  });

  it('deleted items disappear from the list', async () => {
    const doomed = await createPasteAs(bob, 'short-lived');
    expect(ids((await list(bob)).pastes)).toContain(doomed.id);
    expect((await bob.request('DELETE', `/${doomed.id}`)).status).toBe(204);
    expect(ids((await list(bob)).pastes)).toEqual(ids(bobs));
  });
});
