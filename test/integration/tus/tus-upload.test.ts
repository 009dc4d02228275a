// tus-upload (black box): resumable uploads at /tus against the real server. Several PATCHes give a
// byte-identical file share (diceware key and id on the last PATCH); offsets, versions and content
// types are checked; declared and deferred lengths over SEALBIN_MAX_SIZE are refused (the deferred
// partial removed); termination shreds; another client cannot touch an upload nor learn what it
// became; HEAD after the last PATCH repeats its answer; partial bytes on disk are not the plaintext; a
// completion refused by a policy removes the partial.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOverwritten, holdFile } from '../../helpers/data-dir.js';
import { disposeServer, expectErrorHit, hit } from '../../helpers/abuse.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { createUpload, expectSameBytes, metadata, offsetOf, partialFiles, rawOf, sendRest, TUS, tusCreate, tusDelete, tusHead, tusPatch } from '../../helpers/tus.js';

const MAX = 1024 * 1024;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_MAX_SIZE: String(MAX), SEALBIN_DENIED_TYPES: 'application/pdf' } });
});
afterAll(async () => {
  await disposeServer(server);
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('tus: protocol basics', () => {
  it('OPTIONS names the version, the extensions and the size limit', async () => {
    const response = await hit(server.url, '/tus', { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.header('tus-version')).toBe('1.0.0');
    expect(response.header('tus-extension')).toBe('creation,creation-defer-length,termination,expiration');
    expect(response.header('tus-max-size')).toBe(String(MAX));
  });

  it('a request without Tus-Resumable: 1.0.0 gets 412 with Tus-Version', async () => {
    const none = await hit(server.url, '/tus', { method: 'POST', headers: { 'upload-length': '10' } });
    expectErrorHit(none, 412, 'TUS_VERSION_UNSUPPORTED');
    expect(none.header('tus-version')).toBe('1.0.0');
    const old = await hit(server.url, '/tus', { method: 'POST', headers: { 'tus-resumable': '0.2.2', 'upload-length': '10' } });
    expectErrorHit(old, 412, 'TUS_VERSION_UNSUPPORTED');
  });

  it('creation needs exactly one of Upload-Length and Upload-Defer-Length', async () => {
    expectErrorHit(await tusCreate(server.url, {}), 400, 'INVALID_REQUEST');
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '5', 'upload-defer-length': '1' }), 400, 'INVALID_REQUEST');
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '-5' }), 400, 'INVALID_REQUEST');
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '10', 'x-expiry': 'soon' }), 400, 'INVALID_EXPIRY');
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '10', 'x-max-downloads': '1001' }), 400, 'INVALID_REQUEST');
  });
});

describe('tus: a whole upload', () => {
  it('several PATCHes make a byte-identical file share; the last PATCH carries id and key', async () => {
    const content = randomBytes(300_000);
    const sent = Math.floor(Date.now() / 1000);
    const create = await tusCreate(server.url, { 'upload-length': String(content.length), 'upload-metadata': metadata({ filename: 'big.bin', filetype: 'application/octet-stream' }) });
    const answered = Math.ceil(Date.now() / 1000);
    expect(create.status, create.text).toBe(201);
    expect(create.header('tus-resumable')).toBe('1.0.0');
    // SEALBIN_TUS_EXPIRY's default (unset here): 86400 s from the creation, in whole seconds (HTTP date).
    const expires = Date.parse(create.header('upload-expires') as string) / 1000;
    expect(expires).toBeGreaterThanOrEqual(sent + 86_400);
    expect(expires).toBeLessThanOrEqual(answered + 86_400);
    const path = new URL(create.header('location') as string).pathname;
    const first = await tusPatch(server.url, path, 0, content.subarray(0, 100_000));
    expect(first.status, first.text).toBe(204);
    expect(first.header('upload-offset')).toBe('100000');
    expect(first.header('x-sealbin-id')).toBeUndefined();
    // The wrong offset is a conflict that names the right one, and stores nothing.
    const wrong = await tusPatch(server.url, path, 50_000, content.subarray(50_000, 60_000));
    expect(expectErrorHit(wrong, 409, 'OFFSET_MISMATCH')['offset']).toBe(100_000);
    expect(await offsetOf(server.url, path)).toBe(100_000);
    const last = await sendRest(server.url, path, content, 100_000, 100_000);
    expectSameBytes(await rawOf(server.url, last), content);
    const key = last.header('x-sealbin-key') as string;
    expect(key).toMatch(/^[a-z]+(-[a-z]+){5}$/);
    const download = await fetch(`${server.url}/download/${key}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('big.bin');
    expectSameBytes(Buffer.from(await download.arrayBuffer()), content);
    expect(last.header('x-sealbin-delete-token')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // The partial is gone once the item exists. HEAD repeats the final answer to its creator (whose
    // answer may have been lost on the way): the whole length, and what the upload became.
    expect(partialFiles(server.dataDir, path)).toEqual([]);
    const after = await tusHead(server.url, path);
    expect(after.status, after.text).toBe(200);
    expect(after.header('upload-offset')).toBe(String(content.length));
    expect(after.header('upload-length')).toBe(String(content.length));
    expect(after.header('cache-control')).toBe('no-store');
    for (const name of ['x-sealbin-id', 'x-sealbin-url', 'x-sealbin-key', 'x-sealbin-download-url', 'x-sealbin-delete-token']) expect(after.header(name), name).toBe(last.header(name));
    // Again when asked again: the answer to that HEAD can be lost too.
    expect((await tusHead(server.url, path)).header('x-sealbin-delete-token')).toBe(last.header('x-sealbin-delete-token'));
  });

  it('a deferred length is set by a later PATCH, and the creation options apply', async () => {
    const content = Buffer.from('deferred content with options\n'.repeat(100));
    const path = await createUpload(server.url, { 'upload-defer-length': '1', 'x-expiry': '600', 'upload-metadata': metadata({ filename: 'notes.txt', burn_after_read: '1' }) });
    const head = await tusHead(server.url, path);
    expect(head.header('upload-defer-length')).toBe('1');
    expect(head.header('upload-length')).toBeUndefined();
    await sendRest(server.url, path, content.subarray(0, 1000), 0, 1000);
    const last = await tusPatch(server.url, path, 1000, content.subarray(1000), { 'upload-length': String(content.length) });
    expect(last.status, last.text).toBe(204);
    const meta = (await (await fetch(`${server.url}/${last.header('x-sealbin-id')}`)).json()) as Record<string, unknown>;
    expect(meta['burn_after_read']).toBe(true);
    expect(meta['filename']).toBe('notes.txt');
    expect(meta['size']).toBe(content.length);
    expect((meta['expires_at'] as number) - (meta['created_at'] as number)).toBeLessThanOrEqual(601);
  });

  it('a PATCH body must be application/offset+octet-stream (415)', async () => {
    const path = await createUpload(server.url, { 'upload-length': '10' });
    expectErrorHit(await tusPatch(server.url, path, 0, Buffer.from('0123456789'), { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await offsetOf(server.url, path)).toBe(0);
  });
});

describe('tus: size limits', () => {
  it('a declared Upload-Length over SEALBIN_MAX_SIZE is 413 at once, nothing stored', async () => {
    const before = readdirSync(join(server.dataDir, 'tus')).length;
    expectErrorHit(await tusCreate(server.url, { 'upload-length': String(MAX + 1) }), 413, 'TOO_LARGE');
    expect(readdirSync(join(server.dataDir, 'tus')).length).toBe(before);
  });

  it('bytes past a declared length are refused', async () => {
    const path = await createUpload(server.url, { 'upload-length': '10' });
    expectErrorHit(await tusPatch(server.url, path, 0, Buffer.from('0123456789AB')), 400, 'INVALID_REQUEST');
    expect(await offsetOf(server.url, path)).toBe(0);
  });

  it('a deferred upload that grows past the limit is refused mid-way and its partial removed', async () => {
    const path = await createUpload(server.url, { 'upload-defer-length': '1' });
    await sendRest(server.url, path, randomBytes(600_000), 0, 600_000);
    expect(partialFiles(server.dataDir, path).length).toBe(2);
    // Declared by Content-Length: refused before the body is read.
    expectErrorHit(await tusPatch(server.url, path, 600_000, randomBytes(600_000)), 413, 'TOO_LARGE');
    expect(partialFiles(server.dataDir, path)).toEqual([]);
    expect((await tusHead(server.url, path)).status).toBe(404);
  });

  it('a deferred length set over the limit, or below the stored bytes, is refused', async () => {
    const small = await createUpload(server.url, { 'upload-defer-length': '1' });
    await sendRest(server.url, small, randomBytes(5000), 0, 5000);
    expectErrorHit(await tusPatch(server.url, small, 5000, Buffer.from('x'), { 'upload-length': '4000' }), 400, 'INVALID_REQUEST');
    expect((await tusHead(server.url, small)).header('upload-defer-length')).toBe('1');
    const big = await createUpload(server.url, { 'upload-defer-length': '1' });
    await sendRest(server.url, big, randomBytes(5000), 0, 5000);
    expectErrorHit(await tusPatch(server.url, big, 5000, Buffer.from('x'), { 'upload-length': String(MAX + 1) }), 413, 'TOO_LARGE');
    expect(partialFiles(server.dataDir, big)).toEqual([]);
  });

  it('a deferred upload streamed past the limit without Content-Length is cut off and removed', async () => {
    const path = await createUpload(server.url, { 'upload-defer-length': '1' });
    await sendRest(server.url, path, randomBytes(600_000), 0, 600_000);
    const status = await chunkedPatch(server.url, path, 600_000, 700_000);
    expect(status).toBe(413);
    expect(partialFiles(server.dataDir, path)).toEqual([]);
    expect((await tusHead(server.url, path)).status).toBe(404);
  });
});

/** A PATCH with a chunked body (no Content-Length) of `total` random bytes; resolves with the status. */
async function chunkedPatch(base: string, path: string, offset: number, total: number): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'PATCH', agent: false, headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), 'transfer-encoding': 'chunked' } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const size = Math.min(16_384, total - sent);
        sent += size;
        if (!req.write(randomBytes(size))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('tus: termination', () => {
  it('DELETE removes the upload: HEAD is 404, its files are gone and the log\'s bytes were overwritten', async () => {
    const path = await createUpload(server.url, { 'upload-length': '100000' });
    expect((await tusPatch(server.url, path, 0, randomBytes(70_000))).status).toBe(204);
    expect(partialFiles(server.dataDir, path).length).toBe(2);
    // Kept open on the log's inode: after the unlink it shows whether the sealed segments were
    // overwritten first (shredded, as documented) or only unlinked, left readable on the disk.
    const held = holdFile(join(server.dataDir, 'tus', `${path.split('/').pop() as string}.log`));
    try {
      expect(held.original.length).toBeGreaterThan(70_000);
      const response = await tusDelete(server.url, path);
      expect(response.status, response.text).toBe(204);
      expect((await tusHead(server.url, path)).status).toBe(404);
      expect(partialFiles(server.dataDir, path)).toEqual([]);
      expectOverwritten(held.original, held.now(), 'the terminated upload\'s log');
    } finally {
      held.close();
    }
    expect((await tusDelete(server.url, path)).status).toBe(404);
  });
});

describe('tus: attacks', () => {
  it('another client can neither PATCH, HEAD nor DELETE an upload (404, as if it did not exist)', async () => {
    const owner = { localAddress: '127.0.0.2' };
    const stranger = { localAddress: '127.0.0.3' };
    const path = await createUpload(server.url, { 'upload-length': '20' }, owner);
    await tusPatch(server.url, path, 0, Buffer.from('0123456789'), {}, owner);
    expectErrorHit(await tusPatch(server.url, path, 10, Buffer.from('hijacked!!'), {}, stranger), 404, 'NOT_FOUND');
    expect((await tusHead(server.url, path, stranger)).status).toBe(404);
    expectErrorHit(await tusDelete(server.url, path, stranger), 404, 'NOT_FOUND');
    // The owner's upload is untouched and completes with the owner's bytes.
    expect(await offsetOf(server.url, path, owner)).toBe(10);
    const last = await tusPatch(server.url, path, 10, Buffer.from('abcdefghij'), {}, owner);
    expect(last.status, last.text).toBe(204);
    expect((await rawOf(server.url, last)).toString()).toBe('0123456789abcdefghij');
    // What the finished upload became (its delete token, its key) is repeated to the owner only.
    const stolen = await tusHead(server.url, path, stranger);
    expect(stolen.status).toBe(404);
    for (const name of ['x-sealbin-id', 'x-sealbin-key', 'x-sealbin-delete-token']) expect(stolen.header(name), name).toBeUndefined();
    expect((await tusHead(server.url, path, owner)).header('x-sealbin-delete-token')).toBe(last.header('x-sealbin-delete-token'));
  });

  it("a stranger's HEAD, PATCH and DELETE do not stop the creator's PATCH in progress (refused before the upload's lock)", async () => {
    const owner = { localAddress: '127.0.0.2' };
    const stranger = { localAddress: '127.0.0.3' };
    const content = randomBytes(200_000);
    const path = await createUpload(server.url, { 'upload-length': String(content.length) }, owner);
    // The creator's PATCH: half its body sent, the rest held back, so it holds the upload's lock.
    const request = httpRequest(new URL(path, server.url), { method: 'PATCH', agent: false, localAddress: owner.localAddress, headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'content-length': String(content.length) } });
    const answered = new Promise<{ status: number; offset: string | undefined }>((resolve, reject) => {
      request.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, offset: response.headers['upload-offset'] as string | undefined });
      });
      request.on('error', reject);
    });
    // Settled below; a failing test destroys the request, which must not be an unhandled rejection.
    answered.catch(() => undefined);
    try {
      request.write(content.subarray(0, 100_000));
      // A first segment in the log: the PATCH is being stored, under the upload's lock.
      await waitFor(() => partialFiles(server.dataDir, path).some((name) => name.endsWith('.log') && statSync(join(server.dataDir, 'tus', name)).size > 0), "the creator's first bytes stored");
      expect((await tusHead(server.url, path, stranger)).status).toBe(404);
      expectErrorHit(await tusPatch(server.url, path, 0, Buffer.from('hijack'), {}, stranger), 404, 'NOT_FOUND');
      expectErrorHit(await tusDelete(server.url, path, stranger), 404, 'NOT_FOUND');
      // Had any of them taken the lock, the creator's PATCH would have been stopped (400) part-way.
      request.end(content.subarray(100_000));
      expect(await answered).toEqual({ status: 204, offset: String(content.length) });
    } finally {
      request.destroy();
    }
  });

  it('upload ids are 128 random bits and a malformed one is a plain 404', async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => (await createUpload(server.url, { 'upload-length': '5' })).split('/').pop() as string));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((await tusHead(server.url, '/tus/..%2F..%2Fsealbin.db')).status).toBe(404);
    expect((await tusHead(server.url, '/tus/0123')).status).toBe(404);
  });

  it('partial bytes on disk are not the plaintext', async () => {
    const marker = `sealbin-tus-marker-${randomBytes(8).toString('hex')}`;
    const path = await createUpload(server.url, { 'upload-length': String(marker.length * 200 + 1), 'upload-metadata': metadata({ filename: `${marker}.txt` }) });
    expect((await tusPatch(server.url, path, 0, Buffer.from(marker.repeat(200)))).status).toBe(204);
    expect(partialFiles(server.dataDir, path).length).toBe(2);
    for (const file of filesUnder(server.dataDir)) expect(readFileSync(file).includes(marker), file).toBe(false);
  });

  it('a completion refused by a policy gets that error and removes the partial', async () => {
    const pdf = Buffer.from(`%PDF-1.7\n${'1 0 obj << /Type /Catalog >> endobj\n'.repeat(60)}%%EOF\n`);
    const path = await createUpload(server.url, { 'upload-length': String(pdf.length) });
    await tusPatch(server.url, path, 0, pdf.subarray(0, 1000));
    expectErrorHit(await tusPatch(server.url, path, 1000, pdf.subarray(1000)), 415, 'TYPE_NOT_ALLOWED');
    expect(partialFiles(server.dataDir, path)).toEqual([]);
    expect((await tusHead(server.url, path)).status).toBe(404);
  });
});
