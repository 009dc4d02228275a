// Keeps the "End-to-end format" section of docs/formats.md and the code in step: its vectors are
// read from the document and recomputed three ways: the Node streams fpaste uses, the WebCrypto
// functions a browser uses, and AES-256-GCM applied by hand exactly as the prose describes.
import { createCipheriv, createHash, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeKey, decryptAll, encodeKey, encodeMetadata, encryptAll } from '../../../src/crypto/e2e-format.js';
import type { AesGcmSubtle, E2eMetadata } from '../../../src/crypto/e2e-format.js';
import { E2eDecryptStream, E2eEncryptStream } from '../../../src/crypto/e2e-stream.js';
import { content, FORMATS_DOC, hex, parseE2eVectors, text } from '../../helpers/e2e-vectors.js';
import { through } from '../../helpers/streams.js';

const subtle = webcrypto.subtle as unknown as AesGcmSubtle;

const VECTORS = [...parseE2eVectors(FORMATS_DOC)];

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
