// Keeps docs/formats.md and the code in step: the test vectors are read from the document itself and
// recomputed with the code (and, where the document describes a construction, with Node's primitives).
import { describe, expect, it } from 'vitest';
import { createCipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chunkOffset, DecryptStream, EncryptStream, finalChunkIndex, HEADER_LENGTH, newHeader, TAG_LENGTH } from '../../../src/crypto/at-rest-format.js';
import { unwrapKey, WRAPPED_KEY_LENGTH } from '../../../src/crypto/key-wrap.js';
import { DigestSeal } from '../../../src/crypto/digest-seal.js';
import { deriveKeyring } from '../../../src/crypto/keyring.js';
import { hashDicewareKey, isDicewareKey } from '../../../src/core/diceware.js';
import { deleteTokenMatches, hashDeleteToken } from '../../../src/core/delete-token.js';
import { through } from '../../helpers/streams.js';

const DOC = readFileSync(new URL('../../../docs/formats.md', import.meta.url), 'utf8');

type Fields = Map<string, string>;

/** `### title` subsections of "## Test vectors", each with the `label: value` lines of its ```text blocks. */
function parseVectors(markdown: string): Map<string, Fields> {
  const start = markdown.search(/^## Test vectors\s*$/m);
  if (start < 0) throw new Error('docs/formats.md has no "## Test vectors" section');
  const rest = markdown.slice(start + 1);
  const next = rest.search(/^## /m);
  const section = next < 0 ? rest : rest.slice(0, next);
  const vectors = new Map<string, Fields>();
  for (const part of section.split(/^### /m).slice(1)) {
    const title = (part.split('\n')[0] ?? '').trim();
    const fields: Fields = new Map();
    for (const block of part.matchAll(/^```text\n([\s\S]*?)^```/gm)) {
      for (const line of (block[1] ?? '').split('\n')) {
        if (line.trim() === '') continue;
        const match = /^([^:]+):\s+(.*\S)\s*$/.exec(line);
        if (!match) throw new Error(`vector "${title}": cannot parse line ${JSON.stringify(line)}`);
        const label = (match[1] as string).trim().toLowerCase();
        if (fields.has(label)) throw new Error(`vector "${title}": label "${label}" appears twice`);
        fields.set(label, match[2] as string);
      }
    }
    if (vectors.has(title)) throw new Error(`two vectors titled "${title}"`);
    vectors.set(title, fields);
  }
  return vectors;
}

const VECTORS = parseVectors(DOC);

function vector(titleStart: string): Fields {
  const found = [...VECTORS].filter(([title]) => title.startsWith(titleStart));
  if (found.length !== 1) throw new Error(`expected one vector titled "${titleStart}...", found ${found.length}`);
  return (found[0] as [string, Fields])[1];
}

function text(fields: Fields, label: string): string {
  const value = fields.get(label);
  if (value === undefined) throw new Error(`missing "${label}"`);
  return value;
}

function hex(fields: Fields, label: string): Buffer {
  const value = text(fields, label);
  if (!/^([0-9a-f]{2})*$/.test(value)) throw new Error(`"${label}" is not lowercase hex: ${value}`);
  return Buffer.from(value, 'hex');
}

function integer(fields: Fields, label: string): number {
  const value = text(fields, label);
  if (!/^[0-9]+$/.test(value)) throw new Error(`"${label}" is not a whole number: ${value}`);
  return Number(value);
}

/** The plaintext a stream vector defines: literal UTF-8, or a length and a byte rule "i mod m". */
function plaintextOf(fields: Fields): Buffer {
  if (fields.has('plaintext (utf-8)')) return Buffer.from(text(fields, 'plaintext (utf-8)'), 'utf8');
  const length = integer(fields, 'plaintext length');
  const rule = /^i mod ([0-9]+)$/.exec(text(fields, 'plaintext byte i'));
  if (!rule) throw new Error('"plaintext byte i" must read "i mod <m>"');
  const modulus = Number(rule[1]);
  return Buffer.from(Array.from({ length }, (_, i) => i % modulus));
}

/** AES-256-GCM with Node's primitive directly: ciphertext ‖ tag. */
function gcmSeal(key: Buffer, nonce: Buffer, aad: Buffer, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** The nonce construction as the document describes it. */
function describedNonce(prefix: Buffer, index: number, final: boolean): Buffer {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(index);
  return Buffer.concat([prefix, counter, Buffer.from([final ? 1 : 0])]);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('docs/formats.md test vectors', () => {
  it('has every vector, each with its inputs and outputs', () => {
    expect([...VECTORS.keys()].filter((title) => title.startsWith('Stream vector')).length).toBeGreaterThanOrEqual(3);
    for (const title of ['Wrapped key vector', 'Subkey vector', 'Diceware key hash vector', 'Delete token hash vector']) vector(title);
    for (const [title, fields] of VECTORS) {
      if (!title.startsWith('Stream vector')) continue;
      for (const label of ['data key', 'item id (utf-8)', 'nonce prefix', 'chunk size log2']) expect(fields.has(label), `${title}: ${label}`).toBe(true);
      expect(fields.has('stream') || fields.has('stream sha-256'), `${title}: an output`).toBe(true);
    }
  });

  const streamVectors = [...VECTORS].filter(([title]) => title.startsWith('Stream vector'));

  it.each(streamVectors)('%s: the code produces exactly the documented stream, and reads it back', async (_title, fields) => {
    const key = hex(fields, 'data key');
    const itemId = text(fields, 'item id (utf-8)');
    const prefix = hex(fields, 'nonce prefix');
    const log2 = integer(fields, 'chunk size log2');
    const plain = plaintextOf(fields);
    expect(prefix.length).toBe(7);
    expect(key.length).toBe(32);

    const header = newHeader(log2, prefix);
    const stream = await through(new EncryptStream(key, itemId, header), [plain]);
    const chunkSize = 2 ** log2;
    const finalIndex = finalChunkIndex(plain.length, chunkSize);
    const finalChunk = stream.subarray(chunkOffset(finalIndex, chunkSize));
    const finalPlain = plain.subarray(finalIndex * chunkSize);

    if (fields.has('header')) expect(stream.subarray(0, HEADER_LENGTH).toString('hex')).toBe(text(fields, 'header'));
    if (fields.has('stream')) expect(stream.toString('hex')).toBe(text(fields, 'stream'));
    if (fields.has('stream length')) expect(stream.length).toBe(integer(fields, 'stream length'));
    if (fields.has('stream sha-256')) expect(sha256(stream)).toBe(text(fields, 'stream sha-256'));
    if (fields.has('final chunk')) expect(finalChunk.toString('hex')).toBe(text(fields, 'final chunk'));
    if (fields.has('final chunk tag')) expect(finalChunk.subarray(-TAG_LENGTH).toString('hex')).toBe(text(fields, 'final chunk tag'));

    const chunk0 = stream.subarray(chunkOffset(0, chunkSize), finalIndex === 0 ? stream.length : chunkOffset(1, chunkSize));
    if (fields.has('chunk 0 ciphertext')) expect(chunk0.subarray(0, -TAG_LENGTH).toString('hex')).toBe(text(fields, 'chunk 0 ciphertext'));
    if (fields.has('chunk 0 tag')) expect(chunk0.subarray(-TAG_LENGTH).toString('hex')).toBe(text(fields, 'chunk 0 tag'));

    // The construction as documented (nonce and associated data) reproduces the code's chunks.
    const aad = Buffer.concat([stream.subarray(0, HEADER_LENGTH), Buffer.from(itemId, 'utf8')]);
    if (fields.has('chunk 0 associated data')) expect(hex(fields, 'chunk 0 associated data').equals(aad)).toBe(true);
    if (fields.has('chunk 0 nonce')) {
      const nonce = hex(fields, 'chunk 0 nonce');
      expect(nonce.equals(describedNonce(prefix, 0, finalIndex === 0))).toBe(true);
      expect(gcmSeal(key, nonce, aad, plain.subarray(0, chunkSize)).equals(chunk0)).toBe(true);
    }
    if (fields.has('final chunk nonce')) {
      const nonce = hex(fields, 'final chunk nonce');
      expect(nonce.equals(describedNonce(prefix, finalIndex, true))).toBe(true);
      expect(gcmSeal(key, nonce, aad, finalPlain).equals(finalChunk)).toBe(true);
    }
    for (let i = 0; i <= finalIndex; i++) {
      const sealed = stream.subarray(chunkOffset(i, chunkSize), i === finalIndex ? stream.length : chunkOffset(i + 1, chunkSize));
      expect(gcmSeal(key, describedNonce(prefix, i, i === finalIndex), aad, plain.subarray(i * chunkSize, (i + 1) * chunkSize)).equals(sealed), `chunk ${i}`).toBe(true);
    }

    const documented = fields.has('stream') ? hex(fields, 'stream') : stream;
    const back = await through(new DecryptStream({ key, itemId, plainSize: plain.length }), [documented]);
    expect(back.equals(plain)).toBe(true);
  });

  it('wrapped key vector: the code unwraps the documented bytes, laid out as documented', () => {
    const fields = vector('Wrapped key vector');
    const kek = hex(fields, 'wrap subkey');
    const dataKey = hex(fields, 'data key');
    const itemId = text(fields, 'item id (utf-8)');
    const nonce = hex(fields, 'wrap nonce');
    const aad = text(fields, 'associated data (utf-8)');
    const wrapped = hex(fields, 'wrapped key');
    expect(aad).toBe(`sealbin:item-key:v1:${itemId}`);
    expect(wrapped.length).toBe(WRAPPED_KEY_LENGTH);
    expect(wrapped[0]).toBe(1);
    expect(wrapped.subarray(1, 13).equals(nonce)).toBe(true);
    expect(Buffer.concat([Buffer.from([1]), nonce, gcmSeal(kek, nonce, Buffer.from(aad, 'utf8'), dataKey)]).equals(wrapped)).toBe(true);
    expect(unwrapKey(kek, wrapped, itemId).equals(dataKey)).toBe(true);
    expect(() => unwrapKey(kek, wrapped, `${itemId.slice(0, -1)}0`)).toThrow();
  });

  it('subkey vector: the documented HKDF labels give the documented subkeys and fingerprint', () => {
    const fields = vector('Subkey vector');
    const master = hex(fields, 'master key');
    const ring = deriveKeyring(master);
    expect(ring.wrapKey.toString('hex')).toBe(text(fields, 'wrap subkey'));
    expect(ring.dicewareKey.toString('hex')).toBe(text(fields, 'diceware subkey'));
    expect(ring.powKey.toString('hex')).toBe(text(fields, 'pow subkey'));
    expect(ring.digestKey.toString('hex')).toBe(text(fields, 'digest subkey'));
    const labels = [...DOC.matchAll(/^\|\s*`(sealbin\/v1\/[a-z]+)`\s*\|/gm)].map((match) => match[1] as string);
    expect(labels.sort()).toEqual(['sealbin/v1/check', 'sealbin/v1/diceware', 'sealbin/v1/digest', 'sealbin/v1/metadata', 'sealbin/v1/pow', 'sealbin/v1/wrap']);
    expect(ring.metadataKey.toString('hex')).toBe(text(fields, 'metadata subkey'));
    const subkey = (label: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), label, 32)).toString('hex');
    expect(subkey('sealbin/v1/wrap')).toBe(text(fields, 'wrap subkey'));
    expect(subkey('sealbin/v1/diceware')).toBe(text(fields, 'diceware subkey'));
    expect(subkey('sealbin/v1/pow')).toBe(text(fields, 'pow subkey'));
    expect(subkey('sealbin/v1/digest')).toBe(text(fields, 'digest subkey'));
    expect(subkey('sealbin/v1/check')).toBe(text(fields, 'check subkey'));
    expect(subkey('sealbin/v1/metadata')).toBe(text(fields, 'metadata subkey'));
    const fingerprint = createHmac('sha256', hex(fields, 'check subkey')).update('sealbin master key check').digest('hex').slice(0, 32);
    expect(fingerprint).toBe(text(fields, 'master key fingerprint (utf-8)'));
    expect(ring.check).toBe(text(fields, 'master key fingerprint (utf-8)'));
  });

  it('content digest vector: the documented sealed digest opens to the SHA-256, and the ETag matches', () => {
    const fields = vector('Content digest vector');
    const digestKey = hex(fields, 'digest subkey');
    const id = text(fields, 'item id');
    const digest = createHash('sha256').update(text(fields, 'content (utf-8)'), 'utf8').digest();
    expect(digest.toString('hex')).toBe(text(fields, 'sha256'));
    const sealKey = createHmac('sha256', digestKey).update('sealbin/digest/seal').digest();
    expect(sealKey.toString('hex')).toBe(text(fields, 'seal key'));
    const nonce = hex(fields, 'seal nonce');
    const stored = text(fields, 'stored');
    expect(stored).toBe(`sd1:${Buffer.concat([Buffer.from([1]), nonce, gcmSeal(sealKey, nonce, Buffer.from(`sealbin:secret:v1:item-digest:${id}`, 'utf8'), digest)]).toString('base64url')}`);
    const seal = new DigestSeal(digestKey);
    expect(seal.open(id, stored)).toBe(digest.toString('hex'));
    expect(seal.etag(id, digest.toString('hex'))).toBe(text(fields, 'etag'));
  });

  it('diceware key hash vector: HMAC-SHA256 under the diceware subkey', () => {
    const fields = vector('Diceware key hash vector');
    const key = text(fields, 'download key (utf-8)');
    expect(isDicewareKey(key)).toBe(true);
    const subkey = deriveKeyring(hex(fields, 'master key')).dicewareKey;
    expect(hashDicewareKey(subkey, key)).toBe(text(fields, 'key hash'));
    expect(createHmac('sha256', subkey).update(key, 'utf8').digest('hex')).toBe(text(fields, 'key hash'));
  });

  it('delete token hash vector: plain SHA-256 of the token string', () => {
    const fields = vector('Delete token hash vector');
    const token = text(fields, 'delete token (utf-8)');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url').length).toBe(32);
    expect(hashDeleteToken(token)).toBe(text(fields, 'token hash'));
    expect(sha256(Buffer.from(token, 'utf8'))).toBe(text(fields, 'token hash'));
    expect(deleteTokenMatches(token, text(fields, 'token hash'))).toBe(true);
  });
});
