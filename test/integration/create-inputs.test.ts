// The ways to create a paste (raw body, multipart `file` part, JSON {"content"}), the exact 201
// response, and the create headers (X-Filename, X-Expiry).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { streamUpload } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { bodyBytes, expectError, sha256 } from '../helpers/assertions.js';

const DEFAULT_EXPIRY = 600;
const MAX_EXPIRY = 3600;
const MAX_SIZE = 256 * 1024;
// The contract's fields, plus downloads_remaining (null when unlimited; docs/api.md, "Additions").
const CONTRACT_FIELDS = ['burn_after_read', 'created_at', 'delete_token', 'downloads_remaining', 'expires_at', 'id', 'mime_type', 'owner', 'raw', 'sha256', 'size', 'url'];

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    env: { SEALBIN_DEFAULT_EXPIRY: String(DEFAULT_EXPIRY), SEALBIN_MAX_EXPIRY: String(MAX_EXPIRY), SEALBIN_MAX_SIZE: String(MAX_SIZE) },
  });
});
afterAll(async () => {
  await server.dispose();
});

async function create(init: RequestInit): Promise<{ created: Created; response: Response }> {
  const response = await fetch(`${server.url}/`, { method: 'POST', ...init });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { created: JSON.parse(text) as Created, response };
}

async function rawOf(created: Created): Promise<Buffer> {
  const response = await fetch(created.raw);
  expect(response.status).toBe(200);
  return bodyBytes(response);
}

async function metaOf(created: Created): Promise<Record<string, unknown>> {
  const response = await fetch(created.url);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function blobFiles(): string[] {
  const dir = join(server.dataDir, 'blobs');
  if (!existsSync(dir)) return [];
  const walk = (at: string): string[] => readdirSync(at, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(at, entry.name)) : [join(at, entry.name)]));
  return walk(dir).sort();
}

describe('the 201 response', () => {
  it('has exactly the contract fields, a Location equal to url, and a delete token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { created, response } = await create({ body: 'exact fields' });
    const after = Math.floor(Date.now() / 1000);
    expect(Object.keys(created).sort()).toEqual(CONTRACT_FIELDS);
    expect(response.headers.get('location')).toBe(created.url);
    expect(created.id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.url).toBe(`${server.url}/${created.id}`);
    expect(created.raw).toBe(`${server.url}/${created.id}/raw`);
    expect(created.size).toBe(12);
    expect(created.sha256).toBe(sha256('exact fields'));
    expect(created.mime_type).toBe('text/plain');
    expect(Number.isInteger(created.created_at)).toBe(true);
    expect(created.created_at).toBeGreaterThanOrEqual(before - 1);
    expect(created.created_at).toBeLessThanOrEqual(after + 1);
    expect([0, 1]).toContain(Number(created.expires_at) - created.created_at - DEFAULT_EXPIRY);
    expect(created.burn_after_read).toBe(false);
    expect(created.owner).toBeNull();
    expect(typeof created.delete_token).toBe('string');
    expect((created.delete_token as string).length).toBeGreaterThanOrEqual(16);
  });

  it('delete tokens differ per paste, are never shown again, and delete', async () => {
    const { created: a } = await create({ body: 'token a' });
    const { created: b } = await create({ body: 'token b' });
    expect(a.delete_token).not.toBe(b.delete_token);
    const meta = await metaOf(a);
    expect(meta).not.toHaveProperty('delete_token');
    expect(JSON.stringify(meta)).not.toContain(a.delete_token as string);
    // One paste's token does not delete another.
    await expectError(await fetch(a.url, { method: 'DELETE', headers: { 'X-Delete-Token': b.delete_token as string } }), 403, 'FORBIDDEN');
    const deleted = await fetch(a.url, { method: 'DELETE', headers: { 'X-Delete-Token': a.delete_token as string } });
    expect(deleted.status).toBe(204);
    await expectError(await fetch(a.raw), 404, 'NOT_FOUND');
  });

  it('a delete token in the query string is not accepted', async () => {
    const { created } = await create({ body: 'query token' });
    const response = await fetch(`${created.url}?delete_token=${created.delete_token}&token=${created.delete_token}`, { method: 'DELETE' });
    expect(response.status).not.toBe(204);
    await response.arrayBuffer();
    expect(await (await fetch(created.raw)).text()).toBe('query token');
  });
});

describe('raw bodies', () => {
  it('stores the bytes as sent, with X-Filename', async () => {
    const { created } = await create({ body: 'raw with a name\n', headers: { 'Content-Type': 'text/plain', 'X-Filename': 'notes.txt' } });
    expect(created.filename).toBe('notes.txt');
    expect(Object.keys(created).sort()).toEqual([...CONTRACT_FIELDS, 'filename'].sort());
    expect((await metaOf(created))['filename']).toBe('notes.txt');
    const raw = await fetch(created.raw);
    expect(raw.headers.get('content-disposition')).toBe('inline; filename="notes.txt"');
    expect(await raw.text()).toBe('raw with a name\n');
  });

  it('metadata has no filename when none was given', async () => {
    const { created } = await create({ body: 'anonymous name' });
    expect(created).not.toHaveProperty('filename');
    expect(await metaOf(created)).not.toHaveProperty('filename');
  });

  it('sanitises X-Filename (path components and quotes never survive)', async () => {
    for (const name of ['../../etc/passwd', '..\\..\\windows\\win.ini', '/abs/path/passwd']) {
      const { created } = await create({ body: 'traversal', headers: { 'X-Filename': name } });
      const filename = created.filename ?? '';
      expect(filename).not.toMatch(/[/\\]/);
      expect(filename.startsWith('.')).toBe(false);
      expect(['passwd', 'win.ini']).toContain(filename);
    }
    const { created } = await create({ body: 'quotes', headers: { 'X-Filename': 'a"b;c.txt' } });
    const disposition = (await fetch(created.raw)).headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^inline; filename="[^"]*"$/);
  });

  it('stores a curl -d (application/x-www-form-urlencoded) body as-is', async () => {
    const body = 'name=J%C3%BCrgen&msg=hello+world&empty=&a=1&a=2&raw=%3Cb%3E';
    const { created } = await create({ body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(created.size).toBe(Buffer.byteLength(body));
    expect(created.sha256).toBe(sha256(body));
    expect((await rawOf(created)).toString('latin1')).toBe(body);
  });

  it('stores multi-line urlencoded bodies with odd characters as-is', async () => {
    const body = 'line one\nline two & three = four\r\n%zz%%+';
    const { created } = await create({ body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect((await rawOf(created)).toString()).toBe(body);
  });

  it.each([
    ['text/csv', 'a,b\n1,2\n'],
    ['application/yaml', 'key: value\nlist: [1, 2]\n'],
    ['application/x-ndjson', '{"a":1}\n{"b":2}\n'],
    ['application/json-seq', '\u001e{"a":1}\n\u001e{"b":2}\n'],
    ['application/json-patch+json', '[{"op":"add","path":"/a","value":1}]'],
    ['application/jsonlines', '{"a":1}\n'],
  ])('stores a %s body as raw bytes', async (type, body) => {
    const { created } = await create({ body, headers: { 'Content-Type': type } });
    expect(created.size).toBe(Buffer.byteLength(body));
    expect((await rawOf(created)).toString()).toBe(body);
  });

  it('stores binary bytes as-is (no Content-Type or application/octet-stream)', async () => {
    const bytes = Buffer.concat([Buffer.alloc(16), randomBytes(100 * 1024)]);
    for (const headers of [{}, { 'Content-Type': 'application/octet-stream' }] as Array<Record<string, string>>) {
      const { created } = await create({ body: new Uint8Array(bytes), headers });
      expect(created.size).toBe(bytes.length);
      expect(created.sha256).toBe(sha256(bytes));
      expect((await rawOf(created)).equals(bytes)).toBe(true);
    }
  });

  it('an empty body is 400 EMPTY', async () => {
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: '' }), 400, 'EMPTY');
    await expectError(await fetch(`${server.url}/`, { method: 'POST' }), 400, 'EMPTY');
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 400, 'EMPTY');
  });
});

describe('multipart bodies', () => {
  it('stores the file part, with its filename', async () => {
    const bytes = Buffer.from('multipart content ok\n');
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'text/plain' }), 'part.txt');
    const { created, response } = await create({ body: form });
    expect(created.filename).toBe('part.txt');
    expect(response.headers.get('location')).toBe(created.url);
    expect((await metaOf(created))['filename']).toBe('part.txt');
    expect((await rawOf(created)).equals(bytes)).toBe(true);
  });

  it('ignores other fields around the file part', async () => {
    const form = new FormData();
    form.append('comment', 'not the content');
    form.append('file', new Blob(['the real content']), 'real.txt');
    form.append('after', 'also not the content');
    const { created } = await create({ body: form });
    expect((await rawOf(created)).toString()).toBe('the real content');
    expect(created.filename).toBe('real.txt');
  });

  it('stores binary multipart content byte-identical', async () => {
    const bytes = Buffer.concat([Buffer.alloc(16), randomBytes(120 * 1024)]);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'data.bin');
    const { created } = await create({ body: form });
    expect(created.sha256).toBe(sha256(bytes));
    expect((await rawOf(created)).equals(bytes)).toBe(true);
  });

  it('sanitises the part filename', async () => {
    const form = new FormData();
    form.append('file', new Blob(['x']), '../../../etc/shadow');
    const { created } = await create({ body: form });
    expect(created.filename ?? '').not.toMatch(/[/\\]|^\./);
  });

  it('without a file part is 400 INVALID_MULTIPART; an empty file is 400 EMPTY', async () => {
    const noFile = new FormData();
    noFile.append('content', 'a field, not a file');
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: noFile }), 400, 'INVALID_MULTIPART');
    const empty = new FormData();
    empty.append('file', new Blob([]), 'empty.txt');
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: empty }), 400, 'EMPTY');
  });
});

describe('JSON bodies', () => {
  it('stores the UTF-8 of "content" exactly', async () => {
    const content = 'héllo wörld € 🎉\n\ttabs and "quotes" and \\backslashes\\';
    const { created } = await create({ body: JSON.stringify({ content }), headers: { 'Content-Type': 'application/json' } });
    expect(created.size).toBe(Buffer.byteLength(content, 'utf8'));
    expect(created.sha256).toBe(sha256(content));
    expect(created.mime_type).toBe('text/plain');
    expect(created).not.toHaveProperty('filename');
    expect((await rawOf(created)).toString('utf8')).toBe(content);
  });

  it('accepts application/json with a charset and X-Filename', async () => {
    const { created } = await create({ body: JSON.stringify({ content: 'named json' }), headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Filename': 'from-json.md' } });
    expect(created.filename).toBe('from-json.md');
    expect((await rawOf(created)).toString()).toBe('named json');
  });

  it('does not store the JSON envelope', async () => {
    const { created } = await create({ body: JSON.stringify({ content: 'inner' }), headers: { 'Content-Type': 'application/json' } });
    const raw = (await rawOf(created)).toString();
    expect(raw).toBe('inner');
    expect(raw).not.toContain('{');
  });

  it.each([
    ['malformed', '{"content": '],
    ['no content field', '{"text": "x"}'],
    ['content is a number', '{"content": 42}'],
    ['content is null', '{"content": null}'],
    ['an array', '["content"]'],
    ['a bare string', '"content"'],
    ['prototype poisoning', '{"content": "x", "__proto__": {"polluted": true}}'],
  ])('%s is a 400 JSON error', async (_name, body) => {
    const response = await fetch(`${server.url}/`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    const error = await expectError(response, 400);
    expect(['INVALID_JSON', 'INVALID_REQUEST']).toContain(error.error_code);
  });

  it('empty content is 400 EMPTY', async () => {
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: '{"content": ""}', headers: { 'Content-Type': 'application/json' } }), 400, 'EMPTY');
  });
});

describe('X-Expiry', () => {
  it('sets expires_at to now + seconds, clamped to SEALBIN_MAX_EXPIRY', async () => {
    const { created: short } = await create({ body: 'short', headers: { 'X-Expiry': '60' } });
    expect([0, 1]).toContain(Number(short.expires_at) - short.created_at - 60);
    const { created: long } = await create({ body: 'long', headers: { 'X-Expiry': '999999999' } });
    expect([0, 1]).toContain(Number(long.expires_at) - long.created_at - MAX_EXPIRY);
    const { created: huge } = await create({ body: 'huge', headers: { 'X-Expiry': '9'.repeat(30) } });
    expect([0, 1]).toContain(Number(huge.expires_at) - huge.created_at - MAX_EXPIRY);
    expect((await metaOf(short))['expires_at']).toBe(short.expires_at);
  });

  // (Leading or trailing spaces are optional whitespace in HTTP and never reach the server.)
  it.each(['0', '-1', 'abc', '1.5', '1e3', '0x10', '', '5 5', '+5', 'NaN', 'Infinity'])('%j is 400 INVALID_EXPIRY', async (value) => {
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: 'x', headers: { 'X-Expiry': value } }), 400, 'INVALID_EXPIRY');
  });
});

describe('size limit on create', () => {
  it('413 TOO_LARGE for raw, streamed and multipart content over SEALBIN_MAX_SIZE, storing nothing', async () => {
    const before = blobFiles();
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: new Uint8Array(MAX_SIZE + 1) }), 413, 'TOO_LARGE');
    const streamed = await streamUpload(server.url, '/', MAX_SIZE * 2);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toMatchObject({ error_code: 'TOO_LARGE' });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(MAX_SIZE + 1)]), 'big.bin');
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: form }), 413, 'TOO_LARGE');
    expect(blobFiles()).toEqual(before);
  });

  it('exactly SEALBIN_MAX_SIZE bytes is accepted', async () => {
    const bytes = Buffer.concat([Buffer.alloc(16), randomBytes(MAX_SIZE - 16)]);
    const { created } = await create({ body: new Uint8Array(bytes) });
    expect(created.size).toBe(MAX_SIZE);
    expect((await rawOf(created)).equals(bytes)).toBe(true);
  });
});
