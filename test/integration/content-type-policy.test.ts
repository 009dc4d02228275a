// How content is typed and served: magic bytes win over the client's claim, nothing active (HTML,
// SVG, XML, JS) is ever served as such, and only text and raster images are inline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, deflateSync } from 'node:zlib';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import type { Created } from '../helpers/http.js';
import { bodyBytes, CONTENT_CSP, expectSecurityHeaders } from '../helpers/assertions.js';

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A valid 1x1 RGBA PNG. */
function tinyPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0xff, 0, 0, 0xff]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const HTML = '<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>';
const XML_SVG = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
const XML = '<?xml version="1.0"?>\n<note><to>you</to><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script></note>';
const XHTML = '<html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(1)</script></body></html>';
const JS = 'alert(document.domain);\nfetch("/steal?c=" + document.cookie);\n';
const INVALID_UTF8 = Buffer.concat([Buffer.from('looks like text '), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff]), Buffer.from(' but is not')]);

const ACTIVE_TYPES = /html|svg|xml|javascript|ecmascript|jscript/i;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

async function metadata(created: Created): Promise<Created> {
  const response = await fetch(created.url);
  expect(response.status).toBe(200);
  return (await response.json()) as Created;
}

async function fetchRaw(created: Created): Promise<{ response: Response; bytes: Buffer }> {
  const response = await fetch(created.raw);
  expect(response.status).toBe(200);
  return { response, bytes: await bodyBytes(response) };
}

function disposition(response: Response): string {
  return (response.headers.get('content-disposition') ?? '').split(';')[0]?.trim() ?? '';
}

describe('active content is never served with an active type', () => {
  const cases: Array<[string, string, string]> = [
    ['HTML claimed text/html', HTML, 'text/html'],
    ['HTML claimed text/html with charset', HTML, 'text/html; charset=utf-8'],
    ['HTML claimed text/plain (sniffed)', HTML, 'text/plain'],
    ['HTML claimed image/png (no magic bytes)', HTML, 'image/png'],
    ['HTML without a claim', HTML, ''],
    ['HTML with leading whitespace and BOM', `\ufeff \n\t${HTML}`, 'text/plain'],
    ['SVG claimed image/svg+xml', SVG, 'image/svg+xml'],
    ['SVG with an XML declaration claimed application/octet-stream', XML_SVG, 'application/octet-stream'],
    ['XML claimed application/xml', XML, 'application/xml'],
    ['XML claimed text/xml', XML, 'text/xml'],
    ['XHTML claimed application/xhtml+xml', XHTML, 'application/xhtml+xml'],
    ['JavaScript claimed application/javascript', JS, 'application/javascript'],
    ['JavaScript claimed text/javascript', JS, 'text/javascript'],
    ['JavaScript claimed application/ecmascript', JS, 'application/ecmascript'],
    ['feed claimed application/atom+xml', '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', 'application/atom+xml'],
  ];

  it.each(cases)('%s is served as text/plain; charset=utf-8', async (_name, content, claimed) => {
    const created = await createPaste(server.url, content, claimed ? { 'Content-Type': claimed } : {});
    const { response, bytes } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expectSecurityHeaders(response.headers, CONTENT_CSP, 'raw');
    expect(bytes.equals(Buffer.from(content, 'utf8'))).toBe(true);

    const head = await fetch(created.raw, { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('the recorded mime_type reflects detection of markup', async () => {
    expect((await metadata(await createPaste(server.url, HTML, { 'Content-Type': 'text/plain' }))).mime_type).toBe('text/html');
    expect((await metadata(await createPaste(server.url, SVG, { 'Content-Type': 'text/plain' }))).mime_type).toBe('image/svg+xml');
    expect((await metadata(await createPaste(server.url, XML, { 'Content-Type': 'text/plain' }))).mime_type).toMatch(/^(application|text)\/xml$/);
    // Whatever is recorded for a claimed HTML type, it stays what was detected, never an image.
    expect((await metadata(await createPaste(server.url, HTML, { 'Content-Type': 'image/png' }))).mime_type).toBe('text/html');
  });

  it('active content uploaded as a file share is a text/plain attachment', async () => {
    for (const [content, name] of [
      [HTML, 'page.html'],
      [SVG, 'image.svg'],
      [JS, 'app.js'],
    ] as const) {
      const file = await uploadFile(server.url, content, name);
      const response = await fetch(file.download_url as string);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(disposition(response)).toBe('attachment');
      expect(await response.text()).toBe(content);
      // Via the hex id as well.
      const raw = await fetch(file.raw);
      expect(raw.headers.get('content-type') ?? '').not.toMatch(ACTIVE_TYPES);
      await raw.arrayBuffer();
    }
  });

  it('active content in a multipart part typed text/html or JSON content is served as text/plain', async () => {
    const form = new FormData();
    form.append('file', new Blob([HTML], { type: 'text/html' }), 'x.html');
    const multipart = await fetch(`${server.url}/`, { method: 'POST', body: form });
    expect(multipart.status).toBe(201);
    const fromForm = (await multipart.json()) as Created;
    expect((await fetchRaw(fromForm)).response.headers.get('content-type')).toBe('text/plain; charset=utf-8');

    const json = await fetch(`${server.url}/`, { method: 'POST', body: JSON.stringify({ content: SVG }), headers: { 'Content-Type': 'application/json' } });
    expect(json.status).toBe(201);
    const fromJson = (await json.json()) as Created;
    const { response, bytes } = await fetchRaw(fromJson);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(bytes.toString('utf8')).toBe(SVG);
  });
});

describe('magic bytes win over the claim', () => {
  it('a PNG claimed as text/plain is image/png, inline, byte-identical', async () => {
    const png = tinyPng();
    const created = await createPaste(server.url, png, { 'Content-Type': 'text/plain' });
    expect(created.mime_type).toBe('image/png');
    expect((await metadata(created)).mime_type).toBe('image/png');
    const { response, bytes } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(disposition(response)).toBe('inline');
    expect(bytes.equals(png)).toBe(true);
  });

  it('a PNG claimed as text/html is still image/png', async () => {
    const created = await createPaste(server.url, tinyPng(), { 'Content-Type': 'text/html' });
    expect(created.mime_type).toBe('image/png');
    const { response } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('image/png');
  });

  it('a GIF claimed as application/octet-stream is image/gif and inline', async () => {
    const created = await createPaste(server.url, GIF, { 'Content-Type': 'application/octet-stream' });
    expect(created.mime_type).toBe('image/gif');
    const { response, bytes } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('image/gif');
    expect(disposition(response)).toBe('inline');
    expect(bytes.equals(GIF)).toBe(true);
  });

  it('a PDF claimed as text/plain is application/pdf and an attachment', async () => {
    const created = await createPaste(server.url, PDF, { 'Content-Type': 'text/plain' });
    expect(created.mime_type).toBe('application/pdf');
    expect((await metadata(created)).mime_type).toBe('application/pdf');
    const { response, bytes } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(disposition(response)).toBe('attachment');
    expect(bytes.equals(PDF)).toBe(true);
  });
});

describe('text and binary', () => {
  it('plain text is text/plain; charset=utf-8 and inline', async () => {
    const created = await createPaste(server.url, 'just some text\nwith two lines, and ünïcödé €\n', { 'Content-Type': 'text/plain' });
    expect(created.mime_type).toBe('text/plain');
    const { response, bytes } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(disposition(response)).toBe('inline');
    expect(bytes.toString('utf8')).toBe('just some text\nwith two lines, and ünïcödé €\n');
  });

  it('text with no Content-Type at all is text/plain', async () => {
    const created = await createPaste(server.url, Buffer.from('no claim here'));
    expect(created.mime_type).toBe('text/plain');
    const { response } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('invalid UTF-8 claimed as text/plain is application/octet-stream and an attachment', async () => {
    const created = await createPaste(server.url, INVALID_UTF8, { 'Content-Type': 'text/plain; charset=utf-8' });
    expect(created.mime_type).toBe('application/octet-stream');
    expect((await metadata(created)).mime_type).toBe('application/octet-stream');
    const { response, bytes } = await fetchRaw(created);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(disposition(response)).toBe('attachment');
    expect(bytes.equals(INVALID_UTF8)).toBe(true);
  });

  it('text truncated inside a multi-byte character is not UTF-8', async () => {
    const cut = Buffer.from('ends in a broken euro €', 'utf8').subarray(0, -1);
    const created = await createPaste(server.url, cut, { 'Content-Type': 'text/plain' });
    expect(created.mime_type).toBe('application/octet-stream');
  });

  it('NUL bytes make text binary', async () => {
    const created = await createPaste(server.url, Buffer.from('abc\u0000def'), { 'Content-Type': 'text/plain' });
    expect(created.mime_type).toBe('application/octet-stream');
    const { response } = await fetchRaw(created);
    expect(disposition(response)).toBe('attachment');
  });

  it.each(['text/html', 'text/html ; charset=utf-8', 'image/svg+xml', 'application/xml', 'text/xml', 'application/xhtml+xml', 'text/javascript', 'application/x-javascript', 'text/x-javascript', 'text/jscript', 'text/xsl', 'application/vnd.mozilla.xul+xml'])(
    'an active claim (%s) on innocuous text is never served as an active type',
    async (claimed) => {
      const created = await createPaste(server.url, 'hello, nothing to see', { 'Content-Type': claimed });
      const { response, bytes } = await fetchRaw(created);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(bytes.toString('utf8')).toBe('hello, nothing to see');
    },
  );

  it('an unknown well-formed claim on text is recorded as text/plain', async () => {
    for (const claimed of ['application/x-made-up', 'foo/bar']) {
      const created = await createPaste(server.url, 'some text', { 'Content-Type': claimed });
      expect(created.mime_type, claimed).toBe('text/plain');
      const { response } = await fetchRaw(created);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
  });
});
