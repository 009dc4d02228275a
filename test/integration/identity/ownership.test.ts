// ownership (black box, over TLS): a paste created with a client certificate belongs to that
// identity. Another user cannot delete (403 FORBIDDEN) or update (PUT, 403) it, an anonymous client
// gets 401 AUTH_REQUIRED, and nothing changes in either case; the owner can replace content and
// metadata and delete; an admin (SEALBIN_ADMINS or issued with admin:true) can update and delete
// anyone's, anonymous pastes included.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobFiles } from '../../helpers/data-dir.js';
import { createCa, createPasteAs, expectErr, expectStatus, issue, makeCsr, register, startIdentityServer } from './support.js';
import type { Client, IdentityServer, Issued, PasteView, Reply } from './support.js';

let s: IdentityServer;
let anon: Client;
let alice: Client;
let bob: Client;
let rootAdmin: Client;
let deputy: Client;
let aliceCert: Issued;

const MAX_SIZE = 300 * 1024;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0', SEALBIN_MAX_SIZE: String(MAX_SIZE) } });
  anon = s.client();
  rootAdmin = s.as(s.externalAdmin);
  await createCa(anon);
  const user = async (name: string, admin = false): Promise<{ client: Client; issued: Issued }> => {
    const csr = makeCsr(s.work, name, `/CN=${name}`);
    const issued = admin ? await issue(rootAdmin, { common_name: name, admin: true, csr: csr.csr }) : await register(anon, { common_name: name, csr: csr.csr });
    return { client: s.as({ cert: issued.certificate, key: csr.key }), issued };
  };
  const a = await user('alice');
  alice = a.client;
  aliceCert = a.issued;
  bob = (await user('bob')).client;
  deputy = (await user('deputy', true)).client;
});
afterAll(async () => {
  await s?.dispose();
});

function put(client: Client, id: string, body: string | Buffer | null, headers: Record<string, string> = {}): Promise<Reply> {
  if (body === null) return client.request('PUT', `/${id}`, { headers: { 'content-length': '0', ...headers } });
  return client.request('PUT', `/${id}`, { headers: { 'content-type': 'application/octet-stream', ...headers }, body });
}

function del(client: Client, id: string, headers: Record<string, string> = {}): Promise<Reply> {
  return client.request('DELETE', `/${id}`, { headers });
}

/** Metadata and content as anyone sees them. */
async function snapshot(id: string): Promise<{ meta: PasteView; content: string }> {
  const meta = await anon.get(`/${id}`);
  expectStatus(meta, 200);
  const raw = await anon.get(`/${id}/raw`);
  expectStatus(raw, 200);
  return { meta: meta.json<PasteView>(), content: raw.text };
}

async function expectGone(id: string): Promise<void> {
  expectErr(await anon.get(`/${id}`), 404, 'NOT_FOUND');
  expectErr(await anon.get(`/${id}/raw`), 404, 'NOT_FOUND');
}

describe('ownership: someone else\'s paste', () => {
  let paste: PasteView;
  let before: { meta: PasteView; content: string };

  beforeAll(async () => {
    paste = await createPasteAs(alice, 'alice original', { 'x-expiry': '3600', 'x-filename': 'alice.txt' });
    expect(paste.owner).toBe(aliceCert.fingerprint);
    before = await snapshot(paste.id);
  });

  it('another user cannot DELETE it: 403 FORBIDDEN', async () => {
    expectErr(await del(bob, paste.id), 403, 'FORBIDDEN');
    expectErr(await del(bob, paste.id, { 'x-delete-token': 'guessed-token-value' }), 403, 'FORBIDDEN');
  });

  it('another user cannot PUT new content or metadata: 403 FORBIDDEN', async () => {
    expectErr(await put(bob, paste.id, 'bob was here'), 403, 'FORBIDDEN');
    expectErr(await put(bob, paste.id, null, { 'x-expiry': '1' }), 403, 'FORBIDDEN');
    expectErr(await put(bob, paste.id, null, { 'x-burn-after-read': '1' }), 403, 'FORBIDDEN');
    expectErr(await put(bob, paste.id, null, { 'x-filename': 'owned.txt' }), 403, 'FORBIDDEN');
  });

  it('an anonymous client cannot DELETE or PUT it: 401 AUTH_REQUIRED (403 with a wrong delete token)', async () => {
    expectErr(await del(anon, paste.id), 401, 'AUTH_REQUIRED');
    expectErr(await put(anon, paste.id, 'anonymous was here'), 401, 'AUTH_REQUIRED');
    expectErr(await put(anon, paste.id, null, { 'x-expiry': '1' }), 401, 'AUTH_REQUIRED');
    expectErr(await del(anon, paste.id, { 'x-delete-token': 'guessed-token-value' }), 403, 'FORBIDDEN');
  });

  it('nothing changed: same metadata, same content, still listed for its owner only', async () => {
    const after = await snapshot(paste.id);
    expect(after).toEqual(before);
    expect(after.content).toBe('alice original');
    const listed = (await alice.get('/pastes')).json<{ pastes: PasteView[] }>().pastes.map((p) => p.id);
    expect(listed).toContain(paste.id);
    expect((await bob.get('/pastes')).json<{ pastes: PasteView[] }>().pastes.map((p) => p.id)).not.toContain(paste.id);
  });

  it('a user cannot modify an anonymous paste either (there is no owner), but its delete token can delete it', async () => {
    const anonymous = await createPasteAs(anon, 'nobody\'s');
    expectErr(await put(bob, anonymous.id, 'mine now'), 403, 'FORBIDDEN');
    expectErr(await del(bob, anonymous.id), 403, 'FORBIDDEN');
    expect((await snapshot(anonymous.id)).content).toBe('nobody\'s');
    expect((await del(bob, anonymous.id, { 'x-delete-token': anonymous.delete_token as string })).status).toBe(204);
    await expectGone(anonymous.id);
  });

  it('identity is the certificate, not its name: a second "alice" certificate owns nothing of the first', async () => {
    const csr = makeCsr(s.work, 'alice-again', '/CN=alice');
    const issued = await register(anon, { common_name: 'alice', csr: csr.csr });
    expect(issued.fingerprint).not.toBe(aliceCert.fingerprint);
    const twin = s.as({ cert: issued.certificate, key: csr.key });
    expectErr(await del(twin, paste.id), 403, 'FORBIDDEN');
    expectErr(await put(twin, paste.id, 'twin'), 403, 'FORBIDDEN');
    expect((await twin.get('/pastes')).json<{ pastes: PasteView[] }>().pastes).toEqual([]);
    expect((await snapshot(paste.id)).content).toBe('alice original');
  });

  it('PUT or DELETE of an id that does not exist is 404 for the user', async () => {
    expectErr(await put(bob, '0123456789abcdef0123456789abcdef', 'x'), 404, 'NOT_FOUND');
    expectErr(await del(bob, '0123456789abcdef0123456789abcdef'), 404, 'NOT_FOUND');
  });
});

describe('ownership: the owner', () => {
  it('PUT replaces the content: new sha256 and size, same id and owner; GET raw serves the new content', async () => {
    const paste = await createPasteAs(alice, 'version one');
    const reply = await put(alice, paste.id, 'version two, longer');
    expectStatus(reply, 200);
    const updated = reply.json<PasteView>();
    expect(updated).toMatchObject({ id: paste.id, owner: paste.owner, sha256: sha256('version two, longer'), size: 'version two, longer'.length });
    expect(updated.sha256).not.toBe(paste.sha256);
    const raw = await anon.get(`/${paste.id}/raw`);
    expect(raw.text).toBe('version two, longer');
    expect(raw.header('x-content-sha256')).toBe(sha256('version two, longer'));
    expect((await anon.get(`/${paste.id}`)).json<PasteView>()).toMatchObject({ sha256: updated.sha256, size: updated.size });
  });

  it('PUT takes the same inputs as create: JSON {"content"}', async () => {
    const paste = await createPasteAs(alice, 'before json');
    const json = await alice.request('PUT', `/${paste.id}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'from json' }) });
    expectStatus(json, 200);
    expect(json.json<PasteView>().sha256).toBe(sha256('from json'));
    expect((await anon.get(`/${paste.id}/raw`)).text).toBe('from json');
  });

  it('PUT takes the same inputs as create: multipart with a "file" part (its filename counts as X-Filename)', async () => {
    const paste = await createPasteAs(alice, 'before multipart');
    const boundary = 'sealbin-put-boundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="part.txt"\r\nContent-Type: text/plain\r\n\r\nfrom multipart\r\n--${boundary}--\r\n`;
    const multipart = await alice.request('PUT', `/${paste.id}`, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expectStatus(multipart, 200);
    expect(multipart.json<PasteView>()).toMatchObject({ sha256: sha256('from multipart'), filename: 'part.txt' });
    expect((await anon.get(`/${paste.id}/raw`)).text).toBe('from multipart');
  });

  it('replacing stored (non-inline) content leaves no old blob behind; DELETE removes the last one', async () => {
    const big = (fill: string) => Buffer.alloc(200 * 1024, fill);
    const before = blobFiles(s.server.dataDir).length;
    const paste = await createPasteAs(alice, big('a'));
    expect(blobFiles(s.server.dataDir).length).toBe(before + 1);
    expectStatus(await put(alice, paste.id, big('b')), 200);
    expect(blobFiles(s.server.dataDir).length).toBe(before + 1);
    const raw = await anon.get(`/${paste.id}/raw`);
    expect(raw.body.equals(big('b'))).toBe(true);
    expect((await del(alice, paste.id)).status).toBe(204);
    expect(blobFiles(s.server.dataDir).length).toBe(before);
  });

  it('a PUT over SEALBIN_MAX_SIZE is 413 TOO_LARGE and leaves the old content (and no stray blob)', async () => {
    const original = Buffer.alloc(100 * 1024, 'o');
    const paste = await createPasteAs(alice, original);
    const blobs = blobFiles(s.server.dataDir).length;
    const before = await snapshot(paste.id);
    expectErr(await put(alice, paste.id, Buffer.alloc(MAX_SIZE + 1, 'x')), 413, 'TOO_LARGE');
    const chunked = await alice.request('PUT', `/${paste.id}`, { headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, body: Buffer.alloc(MAX_SIZE + 1024, 'y') });
    expectErr(chunked, 413, 'TOO_LARGE');
    expect(await snapshot(paste.id)).toEqual(before);
    expect(blobFiles(s.server.dataDir).length).toBe(blobs);
  });

  it('PUT with only X-Expiry changes the expiry and keeps the content', async () => {
    const paste = await createPasteAs(alice, 'keep me', { 'x-expiry': '3600' });
    const reply = await put(alice, paste.id, null, { 'x-expiry': '120' });
    expectStatus(reply, 200);
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = reply.json<PasteView>().expires_at as number;
    expect(expiresAt).toBeGreaterThanOrEqual(now + 115);
    expect(expiresAt).toBeLessThanOrEqual(now + 121);
    const after = await snapshot(paste.id);
    expect(after.meta.expires_at).toBe(expiresAt);
    expect(after.meta.sha256).toBe(paste.sha256);
    expect(after.content).toBe('keep me');
  });

  it('PUT with X-Filename and X-Burn-After-Read changes them', async () => {
    const paste = await createPasteAs(alice, 'metadata');
    const reply = await put(alice, paste.id, null, { 'x-filename': 'renamed.txt', 'x-burn-after-read': '1' });
    expectStatus(reply, 200);
    // Now burn-after-read: its digest is kept back until its one read (issue 11, hash oracle).
    expect(reply.json<PasteView>()).toMatchObject({ filename: 'renamed.txt', burn_after_read: true, sha256: null });
  });

  it('a PUT with an invalid X-Expiry is 400 INVALID_EXPIRY and changes nothing', async () => {
    const paste = await createPasteAs(alice, 'stable');
    const before = await snapshot(paste.id);
    expectErr(await put(alice, paste.id, 'replaced?', { 'x-expiry': 'soon' }), 400, 'INVALID_EXPIRY');
    expect(await snapshot(paste.id)).toEqual(before);
  });

  it('DELETE: 204, then it is gone (and a second DELETE is 404)', async () => {
    const paste = await createPasteAs(alice, 'to be deleted');
    const reply = await del(alice, paste.id);
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    await expectGone(paste.id);
    expectErr(await del(alice, paste.id), 404, 'NOT_FOUND');
    expectErr(await put(alice, paste.id, 'resurrect'), 404, 'NOT_FOUND');
  });
});

describe('ownership: admins', () => {
  it('an admin issued with admin:true can PUT someone else\'s paste; the owner stays the owner', async () => {
    const paste = await createPasteAs(alice, 'moderate me');
    const reply = await put(deputy, paste.id, 'moderated');
    expectStatus(reply, 200);
    expect(reply.json<PasteView>()).toMatchObject({ id: paste.id, owner: aliceCert.fingerprint, sha256: sha256('moderated') });
    expect((await anon.get(`/${paste.id}/raw`)).text).toBe('moderated');
    // And the owner still owns it.
    expectStatus(await put(alice, paste.id, null, { 'x-expiry': '60' }), 200);
  });

  it('an admin from SEALBIN_ADMINS can DELETE someone else\'s paste', async () => {
    const paste = await createPasteAs(bob, 'remove me');
    expect((await del(rootAdmin, paste.id)).status).toBe(204);
    await expectGone(paste.id);
  });

  it('admins can PUT and DELETE anonymous pastes', async () => {
    const paste = await createPasteAs(anon, 'anonymous spam');
    expectStatus(await put(rootAdmin, paste.id, 'cleaned'), 200);
    expect((await anon.get(`/${paste.id}/raw`)).text).toBe('cleaned');
    expect((await del(deputy, paste.id)).status).toBe(204);
    await expectGone(paste.id);
  });
});
