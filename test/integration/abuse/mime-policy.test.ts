// mime-policy (black box): SEALBIN_ALLOWED_TYPES / SEALBIN_DENIED_TYPES are checked on the detected
// type (magic bytes), never on what the client claims: 415 TYPE_NOT_ALLOWED.
import { crc32, deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, postPaste, postUpload } from '../../helpers/abuse.js';

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function tinyPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.from([0, 0xff, 0, 0, 0xff]))), pngChunk('IEND', Buffer.alloc(0))]);
}

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const HTML = '<!DOCTYPE html><html><body><script>alert(1)</script></body></html>';

let allowList: RunningServer;
let denyList: RunningServer;
beforeAll(async () => {
  [allowList, denyList] = await Promise.all([
    startServer({ env: { SEALBIN_ALLOWED_TYPES: 'text/*, image/*', SEALBIN_DENIED_TYPES: 'image/gif' } }),
    startServer({ env: { SEALBIN_DENIED_TYPES: 'text/html,image/svg+xml' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([disposeServer(allowList), disposeServer(denyList)]);
});

describe('mime-policy', () => {
  it('accepts what the allow list matches', async () => {
    expect((await postPaste(allowList.url, 'plain text', { 'content-type': 'text/plain' })).status).toBe(201);
    expect((await postPaste(allowList.url, tinyPng())).status).toBe(201);
    expect((await postUpload(allowList.url, tinyPng(), 'pixel.png')).status).toBe(201);
  });

  it('refuses with 415 TYPE_NOT_ALLOWED what the allow list does not match', async () => {
    expectErrorHit(await postPaste(allowList.url, PDF), 415, 'TYPE_NOT_ALLOWED');
    expectErrorHit(await postPaste(allowList.url, randomBytes(1024)), 415, 'TYPE_NOT_ALLOWED');
    expectErrorHit(await postUpload(allowList.url, PDF, 'doc.pdf'), 415, 'TYPE_NOT_ALLOWED');
  });

  it('deny wins over allow (image/gif under image/*)', async () => {
    expectErrorHit(await postPaste(allowList.url, GIF), 415, 'TYPE_NOT_ALLOWED');
    expectErrorHit(await postUpload(allowList.url, GIF, 'anim.gif'), 415, 'TYPE_NOT_ALLOWED');
  });

  it('checks the detected type: claiming text/plain or naming the file .txt does not smuggle a PDF or GIF in', async () => {
    expectErrorHit(await postPaste(allowList.url, PDF, { 'content-type': 'text/plain' }), 415, 'TYPE_NOT_ALLOWED');
    expectErrorHit(await postPaste(allowList.url, GIF, { 'content-type': 'image/png' }), 415, 'TYPE_NOT_ALLOWED');
    expectErrorHit(await postUpload(allowList.url, PDF, 'harmless.txt'), 415, 'TYPE_NOT_ALLOWED');
  });

  it('a deny list alone refuses only what it names: HTML and SVG out, text and PDF in', async () => {
    expectErrorHit(await postPaste(denyList.url, HTML, { 'content-type': 'text/plain' }), 415, 'TYPE_NOT_ALLOWED');
    expectErrorHit(await postPaste(denyList.url, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 415, 'TYPE_NOT_ALLOWED');
    expect((await postPaste(denyList.url, 'just text')).status).toBe(201);
    expect((await postPaste(denyList.url, PDF)).status).toBe(201);
  });
});
