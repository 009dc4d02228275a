// File shares: POST /upload returns a diceware key; /download, /status and /preview by key; the key
// reaches the same item as the hex id and is never stored in clear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { bodyBytes, CONTENT_CSP, expectError, expectSecurityHeaders, sha256 } from '../helpers/assertions.js';

const KEY = /^[a-z]+(-[a-z]+){5}$/;
const PASTE_FIELDS = ['id', 'url', 'raw', 'size', 'mime_type', 'sha256', 'created_at', 'expires_at', 'burn_after_read', 'owner', 'delete_token'];
const STATUS_FIELDS = ['size', 'mime_type', 'created_at', 'expires_at', 'downloads', 'burn_after_read'];

interface Status {
  size: number;
  mime_type: string;
  created_at: number;
  expires_at: number | null;
  downloads: number;
  burn_after_read: boolean;
  filename?: string;
  text?: string | null;
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

async function status(key: string): Promise<Status> {
  const response = await fetch(`${server.url}/status/${key}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await response.json()) as Status;
}

async function preview(key: string): Promise<Status> {
  const response = await fetch(`${server.url}/preview/${key}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await response.json()) as Status;
}

async function download(file: Created): Promise<{ response: Response; bytes: Buffer }> {
  const response = await fetch(file.download_url as string);
  expect(response.status).toBe(200);
  return { response, bytes: await bodyBytes(response) };
}

/** Every regular file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('POST /upload', () => {
  it('returns 201 with the paste fields plus key and download_url', async () => {
    const form = new FormData();
    form.append('file', new Blob(['the shared text']), 'shared.txt');
    const response = await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const file = (await response.json()) as Created;
    for (const field of [...PASTE_FIELDS, 'key', 'download_url']) expect(file, field).toHaveProperty(field);
    expect(file.id).toMatch(/^[0-9a-f]{32}$/);
    expect(file.key).toMatch(KEY);
    expect(file.download_url).toBe(`${server.url}/download/${file.key}`);
    expect(file.url).toBe(`${server.url}/${file.id}`);
    expect(file.raw).toBe(`${server.url}/${file.id}/raw`);
    expect(response.headers.get('location')).toBe(file.url);
    expect(file.size).toBe(15);
    expect(file.sha256).toBe(sha256('the shared text'));
    expect(file.mime_type).toBe('text/plain');
    expect(file.burn_after_read).toBe(false);
    expect(file.owner).toBeNull();
    expect(typeof file.delete_token).toBe('string');
    // The key is not derived from the id.
    expect(file.key).not.toContain(file.id);
  });

  it('gives every upload a different key', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 5; i++) keys.add((await uploadFile(server.url, 'same content', 'same.txt')).key as string);
    expect(keys.size).toBe(5);
  });
});

describe('GET /download/{key}', () => {
  it('returns the bytes as an attachment with the filename', async () => {
    const content = Buffer.concat([Buffer.alloc(16), randomBytes(150 * 1024)]);
    const file = await uploadFile(server.url, content, 'archive.bin');
    const { response, bytes } = await download(file);
    expect(bytes.equals(content)).toBe(true);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="archive.bin"');
    expect(response.headers.get('content-length')).toBe(String(content.length));
    expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(response.headers.get('x-content-sha256')).toBe(sha256(content));
    expectSecurityHeaders(response.headers, CONTENT_CSP, 'download');
  });

  it('is an attachment even for text and images', async () => {
    const file = await uploadFile(server.url, 'plain text share', 'notes.txt');
    const { response, bytes } = await download(file);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="notes.txt"');
    expect(bytes.toString()).toBe('plain text share');
  });

  it('encodes a non-ASCII filename with filename* (RFC 6266)', async () => {
    const file = await uploadFile(server.url, 'résumé', 'résumé €.txt');
    const { response } = await download(file);
    const disposition = response.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('résumé €.txt')}`);
  });

  it('the hex id reaches the same item', async () => {
    const content = randomBytes(4096);
    const file = await uploadFile(server.url, content, 'same-item.bin');
    const raw = await fetch(file.raw);
    expect(raw.status).toBe(200);
    expect((await bodyBytes(raw)).equals(content)).toBe(true);
    const meta = await fetch(file.url);
    const body = (await meta.json()) as Created;
    expect(body.id).toBe(file.id);
    expect(body.sha256).toBe(sha256(content));
    expect(body.filename).toBe('same-item.bin');
    // Metadata by id never shows the key.
    expect(JSON.stringify(body)).not.toContain(file.key as string);
  });

  it('HEAD returns the headers without a body', async () => {
    const file = await uploadFile(server.url, 'head me', 'head.txt');
    const response = await fetch(file.download_url as string, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('7');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="head.txt"');
    expect(await response.text()).toBe('');
  });

  it('unknown, malformed and wrongly-cased keys are 404 on every key route', async () => {
    const file = await uploadFile(server.url, 'key shapes', 'k.txt');
    const words = (file.key as string).split('-');
    const candidates = [
      [...words].reverse().join('-'),
      words.slice(0, 5).join('-'),
      [...words, 'extra'].join('-'),
      (file.key as string).toUpperCase(),
      words.join('_'),
      words.join(' '),
      `${file.key}-`,
      file.id,
      'not-a-real-diceware-key-here',
      'x'.repeat(150),
    ];
    for (const candidate of candidates) {
      for (const route of ['download', 'status', 'preview']) {
        await expectError(await fetch(`${server.url}/${route}/${encodeURIComponent(candidate)}`), 404, 'NOT_FOUND');
      }
    }
    // The real key still works.
    expect((await download(file)).bytes.toString()).toBe('key shapes');
  });

  it('a deleted file share is gone by key as well', async () => {
    const file = await uploadFile(server.url, 'delete me', 'del.txt');
    const deleted = await fetch(file.url, { method: 'DELETE', headers: { 'X-Delete-Token': file.delete_token as string } });
    expect(deleted.status).toBe(204);
    for (const route of ['download', 'status', 'preview']) {
      await expectError(await fetch(`${server.url}/${route}/${file.key}`), 404, 'NOT_FOUND');
    }
  });

  it('a plain paste (POST /) has no key and no download_url', async () => {
    const paste = await createPaste(server.url, 'not a file share');
    expect(paste.key).toBeUndefined();
    expect(paste.download_url).toBeUndefined();
  });
});

describe('GET /status/{key}', () => {
  it('has the metadata fields and counts complete downloads', async () => {
    const file = await uploadFile(server.url, 'count my downloads', 'count.txt', { 'X-Expiry': '3600' });
    const first = await status(file.key as string);
    for (const field of STATUS_FIELDS) expect(first, field).toHaveProperty(field);
    expect(first.size).toBe(18);
    expect(first.mime_type).toBe('text/plain');
    expect(first.created_at).toBe(file.created_at);
    expect([3600, 3601]).toContain(Number(first.expires_at) - file.created_at);
    expect(first.burn_after_read).toBe(false);
    expect(first.downloads).toBe(0);
    // Status is not a capability to the content.
    expect(JSON.stringify(first)).not.toContain('count my downloads');

    await download(file);
    expect((await status(file.key as string)).downloads).toBe(1);
    await download(file);
    await download(file);
    expect((await status(file.key as string)).downloads).toBe(3);

    // Status, preview and HEAD are not downloads.
    await preview(file.key as string);
    await (await fetch(file.download_url as string, { method: 'HEAD' })).arrayBuffer();
    expect((await status(file.key as string)).downloads).toBe(3);
  });

  it('shows burn_after_read for a burn share', async () => {
    const file = await uploadFile(server.url, 'burny', 'b.txt', { 'X-Burn-After-Read': '1' });
    expect((await status(file.key as string)).burn_after_read).toBe(true);
  });
});

describe('GET /preview/{key}', () => {
  it('returns the metadata and the whole text of a short text file', async () => {
    const file = await uploadFile(server.url, 'short and sweet\n', 'short.txt');
    const body = await preview(file.key as string);
    for (const field of [...STATUS_FIELDS, 'text']) expect(body, field).toHaveProperty(field);
    expect(body.text).toBe('short and sweet\n');
    expect(body.size).toBe(16);
  });

  it('returns at most the first 1 KiB of text', async () => {
    const content = `${'0123456789abcdef'.repeat(64)}THIS IS PAST THE FIRST KIB`;
    const file = await uploadFile(server.url, content, 'long.txt');
    const body = await preview(file.key as string);
    expect(body.text).toBe(content.slice(0, 1024));
    expect(Buffer.byteLength(body.text as string)).toBe(1024);
  });

  it('never cuts a multi-byte character: 1023 ASCII bytes then "€"', async () => {
    const content = `${'a'.repeat(1023)}€ and more after it`;
    const file = await uploadFile(server.url, content, 'euro.txt');
    const body = await preview(file.key as string);
    const text = body.text as string;
    expect(text).not.toContain('\ufffd');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(text).toBe('a'.repeat(1023));
  });

  it('keeps a multi-byte character that fits entirely', async () => {
    const content = `${'b'.repeat(1021)}€ tail`;
    const file = await uploadFile(server.url, content, 'fits.txt');
    const body = await preview(file.key as string);
    expect(body.text).toBe(`${'b'.repeat(1021)}€`);
  });

  it('is null for binary content', async () => {
    const file = await uploadFile(server.url, Buffer.concat([Buffer.alloc(16), randomBytes(2048)]), 'blob.bin');
    const body = await preview(file.key as string);
    expect(body.text).toBeNull();
    expect(body.mime_type).toBe('application/octet-stream');
  });

  it('never burns a burn-after-read share, and shows none of its text (that would be a free read)', async () => {
    const file = await uploadFile(server.url, 'preview me, do not burn me', 'p.txt', { 'X-Burn-After-Read': '1' });
    for (let i = 0; i < 3; i++) expect(await preview(file.key as string)).toMatchObject({ text: null, text_withheld: 'burn_after_read', downloads: 0 });
    const { bytes } = await download(file);
    expect(bytes.toString()).toBe('preview me, do not burn me');
    await expectError(await fetch(`${server.url}/preview/${file.key}`), 404, 'NOT_FOUND');
  });
});

describe('the key is never stored in clear', () => {
  it('no file of the data dir (database, WAL, blobs) contains a key', async () => {
    const files: Created[] = [];
    for (let i = 0; i < 3; i++) files.push(await uploadFile(server.url, `stored share ${i}`, `s${i}.txt`));
    files.push(await uploadFile(server.url, Buffer.concat([Buffer.alloc(16), randomBytes(200 * 1024)]), 'big.bin'));
    // Downloads update the row; the key must not appear through that path either.
    for (const file of files) await download(file);

    const dbFiles = readdirSync(server.dataDir).filter((name) => name.startsWith('sealbin.db'));
    expect(dbFiles).toContain('sealbin.db');
    const all = filesUnder(server.dataDir);
    expect(all.length).toBeGreaterThan(0);
    const contents = all.map((path) => ({ path, bytes: readFileSync(path) }));
    for (const file of files) {
      const key = file.key as string;
      const words = key.split('-');
      for (const { path, bytes } of contents) {
        for (const encoding of ['utf8', 'utf16le'] as const) {
          expect(bytes.includes(Buffer.from(key, encoding)), `${path} contains the key (${encoding})`).toBe(false);
        }
        // Nor the words joined another way (e.g. a normalised form).
        expect(bytes.includes(Buffer.from(words.join(' '))), `${path} contains the key words`).toBe(false);
        expect(bytes.includes(Buffer.from(words.join(''))), `${path} contains the key words`).toBe(false);
      }
    }
  });
});
