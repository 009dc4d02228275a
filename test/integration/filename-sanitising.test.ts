// Hostile filenames (multipart filename or X-Filename): the create succeeds, and the stored name and
// the Content-Disposition of GET /{id}/raw and /download/{key} carry no path, no CR/LF or control
// characters, no bidi overrides and no unescaped quotes; non-ASCII travels as filename*=UTF-8''.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import type { Created } from '../helpers/http.js';
import { multipartBody, multipartType } from '../helpers/multipart.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const DISPOSITION = /^(inline|attachment)(?:; filename="([\x20-\x7e]*)"(?:; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+))?)?$/;

/** A name as users will see it: no directory part, no controls, no bidi tricks, no hidden-file dot. */
function expectSafeName(name: string): void {
  expect(name).not.toMatch(/[/\\]/);
  expect(name).not.toMatch(CONTROL);
  expect(name).not.toMatch(BIDI);
  expect(name).not.toContain('"');
  expect(name.startsWith('.')).toBe(false);
  expect(name).not.toBe('');
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
}

/** Parses a Content-Disposition value of the RFC 6266 shape and returns the name a browser would use. */
function safeDisposition(value: string | null, kind: 'inline' | 'attachment' | null = null): string | null {
  expect(value).not.toBeNull();
  const header = value as string;
  expect(header).not.toMatch(/[\r\n]/);
  const match = DISPOSITION.exec(header);
  expect(match, header).not.toBeNull();
  const [, type, ascii, extended] = match as RegExpExecArray;
  if (kind) expect(type).toBe(kind);
  if (ascii === undefined) return null;
  // Inside the quoted string: no quote or backslash at all, so nothing can be "unescaped".
  expect(ascii).not.toMatch(/["\\]/);
  expectSafeName(ascii);
  if (extended === undefined) return ascii;
  const decoded = decodeURIComponent(extended);
  expectSafeName(decoded);
  return decoded;
}

async function uploadRaw(path: string, disposition: string): Promise<Created> {
  const body = multipartBody([{ disposition, contentType: 'text/plain', content: 'file body' }]);
  const response = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': multipartType() } });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return JSON.parse(text) as Created;
}

/** Every place a filename comes back: the 201, the metadata, /raw and /download headers. */
async function checkEverywhere(created: Created): Promise<string | null> {
  if (created.filename !== undefined) expectSafeName(created.filename);
  const meta = (await (await fetch(created.url)).json()) as Created;
  expect(meta.filename).toBe(created.filename);
  const raw = await fetch(created.raw);
  expect(raw.status).toBe(200);
  expect(await raw.text()).toBe('file body');
  const shown = safeDisposition(raw.headers.get('content-disposition'));
  if (created.filename !== undefined) expect(shown).toBe(created.filename);
  if (created.key !== undefined) {
    const download = await fetch(`${server.url}/download/${created.key}`);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    safeDisposition(download.headers.get('content-disposition'), 'attachment');
  }
  return created.filename ?? null;
}

describe('multipart filenames', () => {
  it('a path prefix (../, absolute, Windows) keeps only the last component', async () => {
    const cases: Array<[string, string]> = [
      ['../../etc/passwd', 'passwd'],
      ['/etc/shadow', 'shadow'],
      ['..\\\\..\\\\windows\\\\system.ini', 'system.ini'],
      ['C:\\\\Users\\\\evil\\\\x.txt', 'x.txt'],
      ['..%2f..%2fetc%2fpasswd', '..%2f..%2fetc%2fpasswd'.replace(/^\.+/, '')],
    ];
    for (const [sent, expected] of cases) {
      const created = await uploadRaw('/upload', `form-data; name="file"; filename="${sent}"`);
      expect(await checkEverywhere(created)).toBe(expected);
    }
  });

  it('a name that is only dots or a path ends up without a filename, or a harmless one', async () => {
    for (const sent of ['..', '../..', '.hidden', '...']) {
      const created = await uploadRaw('/upload', `form-data; name="file"; filename="${sent}"`);
      await checkEverywhere(created);
    }
  });

  it('escaped quotes and backslashes inside the quoted filename', async () => {
    for (const sent of ['a\\"b.txt', 'x\\" ; filename=\\"evil.html', 'quote\\\\\\"mix.txt']) {
      const created = await uploadRaw('/upload', `form-data; name="file"; filename="${sent}"`);
      const name = await checkEverywhere(created);
      expect(name).not.toBeNull();
    }
  });

  it('a bidi override (U+202E) is removed, non-ASCII is kept and sent as filename*=UTF-8', async () => {
    const spoof = await uploadRaw('/upload', 'form-data; name="file"; filename="invoice\u202Efdp.exe"');
    expect(await checkEverywhere(spoof)).toBe('invoicefdp.exe');

    const created = await uploadRaw('/', 'form-data; name="file"; filename="résumé\u202Egpj.pdf"');
    expect(await checkEverywhere(created)).toBe('résumégpj.pdf');
    const raw = await fetch(created.raw);
    expect(raw.headers.get('content-disposition')).toBe(`inline; filename="r_sum_gpj.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9gpj.pdf`);
  });

  it('other invisible and control characters (NUL, ESC, zero-width, isolates) are removed', async () => {
    const created = await uploadRaw('/upload', `form-data; name="file"; filename*=UTF-8''a%00b%1B%5B31mc%E2%80%8Bd%E2%81%A6e.txt`);
    const name = await checkEverywhere(created);
    expect(name).toBe('ab[31mcde.txt');
  });

  it('CR/LF sent escaped by a browser-style FormData client is stored harmlessly', async () => {
    const form = new FormData();
    form.append('file', new Blob(['file body']), 'evil\r\nSet-Cookie: a=b.txt');
    const response = await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Created;
    await checkEverywhere(created);
    const raw = await fetch(created.raw);
    expect(raw.headers.get('set-cookie')).toBeNull();
  });

  // The multipart parser (busboy) drops a part whose filename holds CR/LF, so such an upload is
  // refused as having no usable file part; either way no line break can reach a response header.
  it('CR/LF inside the filename (RFC 5987 filename*, or raw bytes in the quoted name) never reaches a header: refused with INVALID_MULTIPART', async () => {
    const dispositions = [
      `form-data; name="file"; filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20a%3Db%0D%0A%0D%0Ax.txt`,
      'form-data; name="file"; filename="line\nbreak\r.txt"',
    ];
    for (const disposition of dispositions) {
      const body = multipartBody([{ disposition, contentType: 'text/plain', content: 'file body' }]);
      const response = await fetch(`${server.url}/upload`, { method: 'POST', body, headers: { 'Content-Type': multipartType() } });
      expect(response.headers.get('set-cookie')).toBeNull();
      const answer = (await response.json()) as { error_code?: string };
      expect(response.status).toBe(400);
      expect(answer.error_code).toBe('INVALID_MULTIPART');
    }
  });

  it('a very long name is accepted and shortened to a sane length', async () => {
    const long = `${'a'.repeat(3000)}.txt`;
    const created = await uploadRaw('/upload', `form-data; name="file"; filename="${long}"`);
    const name = await checkEverywhere(created);
    expect(name?.length ?? 0).toBeGreaterThan(0);
    expect(Buffer.byteLength(name ?? '')).toBeLessThanOrEqual(255);

    const wide = 'é'.repeat(1000);
    const createdWide = await uploadRaw('/upload', `form-data; name="file"; filename="${wide}"`);
    const wideName = await checkEverywhere(createdWide);
    expect(wideName).toMatch(/^é+$/);
  });
});

describe('X-Filename header', () => {
  async function createWith(filename: string): Promise<Created> {
    const response = await fetch(`${server.url}/upload`, { method: 'POST', body: 'file body', headers: { 'X-Filename': filename, 'Content-Type': 'text/plain' } });
    const text = await response.text();
    expect(response.status, text).toBe(201);
    return JSON.parse(text) as Created;
  }

  it('is sanitised the same way (paths, quotes, backslashes, long names)', async () => {
    expect(await checkEverywhere(await createWith('../../etc/passwd'))).toBe('passwd');
    expect(await checkEverywhere(await createWith('..\\..\\boot.ini'))).toBe('boot.ini');
    const quoted = await checkEverywhere(await createWith('say "hi".txt'));
    expect(quoted).not.toContain('"');
    const injected = await checkEverywhere(await createWith('a.txt"; filename="evil.html'));
    expect(injected).not.toContain('"');
    const long = await checkEverywhere(await createWith('b'.repeat(4000)));
    expect(Buffer.byteLength(long ?? '')).toBeLessThanOrEqual(255);
  });

  it('wins over the multipart part filename', async () => {
    const body = multipartBody([{ disposition: 'form-data; name="file"; filename="part.txt"', contentType: 'text/plain', content: 'file body' }]);
    const response = await fetch(`${server.url}/upload`, { method: 'POST', body, headers: { 'Content-Type': multipartType(), 'X-Filename': '../header.txt' } });
    expect(response.status).toBe(201);
    expect(await checkEverywhere((await response.json()) as Created)).toBe('header.txt');
  });
});
