// Keeps the "End-to-end format" section of docs/formats.md and the code in step: its vectors are
// read from the document and recomputed three ways: the Node streams fpaste uses, the WebCrypto
// functions a browser uses, and AES-256-GCM applied by hand exactly as the prose describes.
import { createCipheriv, createHash, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeKey, decryptAll, encodeKey, encodeMetadata, encryptAll } from '../../../src/crypto/e2e-format.js';
import type { AesGcmSubtle, E2eMetadata } from '../../../src/crypto/e2e-format.js';
import { E2eDecryptStream, E2eEncryptStream } from '../../../src/crypto/e2e-stream.js';
import { through } from '../../helpers/streams.js';

const DOC = readFileSync(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
const subtle = webcrypto.subtle as unknown as AesGcmSubtle;

type Fields = Map<string, string>;

/** The "#### E2E vector" subsections of "## End-to-end format", with their `label: value` lines. */
function parseE2eVectors(markdown: string): Map<string, Fields> {
  const start = markdown.search(/^## End-to-end format \(fpaste, web\)\s*$/m);
  if (start < 0) throw new Error('docs/formats.md has no "## End-to-end format (fpaste, web)" section');
  const rest = markdown.slice(start + 1);
  const next = rest.search(/^## /m);
  const section = next < 0 ? rest : rest.slice(0, next);
  const vectors = new Map<string, Fields>();
  for (const part of section.split(/^#### /m).slice(1)) {
    const title = (part.split('\n')[0] ?? '').trim();
    if (!title.startsWith('E2E vector')) continue;
    const fields: Fields = new Map();
    for (const block of part.matchAll(/^```text\n([\s\S]*?)^```/gm)) {
      for (const line of (block[1] ?? '').split('\n')) {
        if (line.trim() === '') continue;
        const at = line.indexOf(': ');
        if (at < 0) throw new Error(`vector "${title}": cannot parse line ${JSON.stringify(line)}`);
        const label = line.slice(0, at).trim().toLowerCase();
        if (fields.has(label)) throw new Error(`vector "${title}": label "${label}" appears twice`);
        fields.set(label, line.slice(at + 2).trim());
      }
    }
    vectors.set(title, fields);
  }
  return vectors;
}

const VECTORS = [...parseE2eVectors(DOC)];

function text(fields: Fields, label: string): string {
  const value = fields.get(label);
  if (value === undefined) throw new Error(`missing "${label}"`);
  return value;
}

function hex(fields: Fields, label: string): Buffer {
  const value = text(fields, label);
  if (!/^([0-9a-f]{2})*$/.test(value)) throw new Error(`"${label}" is not lowercase hex`);
  return Buffer.from(value, 'hex');
}

function content(fields: Fields): Buffer {
  if (fields.has('content (hex)')) return hex(fields, 'content (hex)');
  const length = Number(text(fields, 'content length'));
  const rule = /^i mod ([0-9]+)$/.exec(text(fields, 'content byte i'));
  if (!rule) throw new Error('"content byte i" must read "i mod <m>"');
  return Buffer.from(Array.from({ length }, (_, i) => i % Number(rule[1])));
}

/** The construction exactly as the prose says, with nothing but createCipheriv. */
function byHand(key: Buffer, prefix: Buffer, log2: number, plaintext: Buffer): Buffer {
  const header = Buffer.concat([Buffer.from('SBEE', 'ascii'), Buffer.from([1, log2]), prefix, Buffer.alloc(3)]);
  const size = 2 ** log2;
  const finalIndex = Math.floor(plaintext.length / size);
  const parts = [header];
  for (let i = 0; i <= finalIndex; i++) {
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce, 0);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = i === finalIndex ? 1 : 0;
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(header);
    parts.push(cipher.update(plaintext.subarray(i * size, (i + 1) * size)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(parts);
}

describe('docs/formats.md end-to-end vectors', () => {
  it('has at least three vectors, each with its inputs and an output', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(3);
    for (const [title, fields] of VECTORS) {
      for (const label of ['key', 'nonce prefix', 'chunk size log2', 'metadata (json)']) expect(fields.has(label), `${title}: ${label}`).toBe(true);
      expect(fields.has('stream') || fields.has('stream sha-256'), `${title}: an output`).toBe(true);
    }
  });

  it.each(VECTORS)('%s: the streams, WebCrypto and the construction by hand all give the documented bytes', async (_title, fields) => {
    const key = hex(fields, 'key');
    const prefix = hex(fields, 'nonce prefix');
    const log2 = Number(text(fields, 'chunk size log2'));
    const metadata = JSON.parse(text(fields, 'metadata (json)')) as E2eMetadata;
    const body = content(fields);
    const record = Buffer.from(encodeMetadata(metadata));
    expect(record.readUInt32BE(0)).toBe(record.length - 4);
    expect(record.subarray(4).toString('utf8')).toBe(text(fields, 'metadata (json)'));
    if (fields.has('metadata record')) expect(record.toString('hex')).toBe(text(fields, 'metadata record'));
    if (fields.has('key (base64url)')) {
      expect(encodeKey(key)).toBe(text(fields, 'key (base64url)'));
      expect(Buffer.from(decodeKey(text(fields, 'key (base64url)'))).equals(key)).toBe(true);
    }

    const viaStream = await through(new E2eEncryptStream(key, { metadata, chunkLog2: log2, prefix }), [body]);
    const viaWeb = Buffer.from(await encryptAll(subtle, key, prefix, body, metadata, log2));
    const viaHand = byHand(key, prefix, log2, Buffer.concat([record, body]));
    expect(viaWeb.equals(viaStream)).toBe(true);
    expect(viaHand.equals(viaStream)).toBe(true);

    const size = 2 ** log2;
    const sealed = size + 16;
    const finalIndex = Math.floor((record.length + body.length) / size);
    const finalChunk = viaStream.subarray(16 + finalIndex * sealed);
    if (fields.has('header')) expect(viaStream.subarray(0, 16).toString('hex')).toBe(text(fields, 'header'));
    if (fields.has('stream')) expect(viaStream.toString('hex')).toBe(text(fields, 'stream'));
    if (fields.has('stream length')) expect(viaStream.length).toBe(Number(text(fields, 'stream length')));
    if (fields.has('stream sha-256')) expect(createHash('sha256').update(viaStream).digest('hex')).toBe(text(fields, 'stream sha-256'));
    if (fields.has('chunk 0 tag')) expect(viaStream.subarray(16 + sealed - 16, 16 + sealed).toString('hex')).toBe(text(fields, 'chunk 0 tag'));
    if (fields.has('final chunk tag')) expect(finalChunk.subarray(-16).toString('hex')).toBe(text(fields, 'final chunk tag'));
    if (fields.has('final chunk')) expect(finalChunk.toString('hex')).toBe(text(fields, 'final chunk'));
    const nonceOf = (i: number) => Buffer.concat([prefix, Buffer.from([0, 0, 0, 0]), Buffer.from([i === finalIndex ? 1 : 0])]).fill(0, 7, 11).map((byte, at) => (at >= 7 && at < 11 ? (i >>> (8 * (10 - at))) & 0xff : byte));
    if (fields.has('chunk 0 nonce')) expect(Buffer.from(nonceOf(0)).toString('hex')).toBe(text(fields, 'chunk 0 nonce'));
    if (fields.has('final chunk nonce')) expect(Buffer.from(nonceOf(finalIndex)).toString('hex')).toBe(text(fields, 'final chunk nonce'));

    // And back, from the documented bytes where the document gives them whole.
    const documented = fields.has('stream') ? hex(fields, 'stream') : viaStream;
    const decryptor = new E2eDecryptStream(key);
    expect((await through(decryptor, [documented])).equals(body)).toBe(true);
    expect(decryptor.metadata).toEqual(metadata);
    const opened = await decryptAll(subtle, key, documented);
    expect(Buffer.from(opened.content).equals(body)).toBe(true);
  });
});
