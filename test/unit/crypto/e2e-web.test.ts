// The web page's streaming WebCrypto code (src/crypto/e2e-web.ts), run on Node's globalThis.crypto.subtle:
// the documented vectors of docs/formats.md, and cross tests both ways with the CLI's Node streams
// (src/crypto/e2e-stream.ts) at sizes around chunk boundaries, plus every way a stream can be bad.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { E2eFormatError } from '../../../src/crypto/e2e-format.js';
import type { AesGcmSubtle, E2eMetadata } from '../../../src/crypto/e2e-format.js';
import { E2eDecryptStream, E2eEncryptStream, e2eEncryptedLength } from '../../../src/crypto/e2e-stream.js';
import { collectToBlob, decryptStream, decryptToBlob, encryptBlob, encryptedSize, newKey } from '../../../src/crypto/e2e-web.js';
import type { ByteStream, SliceableBlob } from '../../../src/crypto/e2e-web.js';
import { content, FORMATS_DOC, hex, parseE2eVectors, text } from '../../helpers/e2e-vectors.js';
import { pieces, through } from '../../helpers/streams.js';

const subtle = globalThis.crypto.subtle as unknown as AesGcmSubtle;
const VECTORS = [...parseE2eVectors(FORMATS_DOC)];
const LOG2 = 10;
const C = 2 ** LOG2;

/** A ReadableStream delivering `data` in the given pieces (as fetch would, in arbitrary sizes). */
function streamOf(parts: Uint8Array[]): ByteStream & ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(new Uint8Array(part));
      controller.close();
    },
  });
}

function bytes(length: number, seed = 7): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) % 256));
}

async function blobBytes(blob: Blob): Promise<Buffer> {
  return Buffer.from(await blob.arrayBuffer());
}

async function webDecrypt(key: Uint8Array, cipher: Uint8Array, pieceSize = 777): Promise<{ metadata: E2eMetadata; content: Buffer; calls: number[] }> {
  const calls: number[] = [];
  const parts: Uint8Array[] = [];
  const { metadata, contentLength } = await decryptStream(subtle, key, streamOf(pieces(Buffer.from(cipher), pieceSize)), (part) => {
    calls.push(part.length);
    parts.push(part);
  });
  const out = Buffer.concat(parts);
  expect(out.length).toBe(contentLength);
  return { metadata, content: out, calls };
}

async function nodeEncrypt(key: Uint8Array, body: Buffer, metadata: E2eMetadata, chunkLog2 = LOG2): Promise<Buffer> {
  return through(new E2eEncryptStream(Buffer.from(key), { metadata, chunkLog2 }), pieces(body, 500));
}

async function failure(promise: Promise<unknown>): Promise<E2eFormatError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(E2eFormatError);
  return error as E2eFormatError;
}

describe('e2e-web against the documented vectors', () => {
  it.each(VECTORS)('%s: encryptBlob gives the documented bytes and decryptStream reads them back', async (_title, fields) => {
    const key = hex(fields, 'key');
    const prefix = hex(fields, 'nonce prefix');
    const chunkLog2 = Number(text(fields, 'chunk size log2'));
    const metadata = JSON.parse(text(fields, 'metadata (json)')) as E2eMetadata;
    const body = content(fields);
    const sealed = await blobBytes(await encryptBlob(subtle, key, new Blob([body]), { metadata, prefix, chunkLog2 }));
    if (fields.has('stream')) expect(sealed.toString('hex')).toBe(text(fields, 'stream'));
    if (fields.has('stream length')) expect(sealed.length).toBe(Number(text(fields, 'stream length')));
    if (fields.has('stream sha-256')) expect(createHash('sha256').update(sealed).digest('hex')).toBe(text(fields, 'stream sha-256'));
    const documented = fields.has('stream') ? hex(fields, 'stream') : sealed;
    for (const pieceSize of [1, 16, 1040, 100_000]) {
      const opened = await webDecrypt(key, documented, pieceSize);
      expect(opened.content.equals(body)).toBe(true);
      expect(opened.metadata).toEqual(metadata);
    }
  });
});

describe('e2e-web crossed with the CLI streams around chunk boundaries', () => {
  const named: E2eMetadata = { name: 'résumé.pdf', type: 'application/pdf' };
  const recordOf = (metadata: E2eMetadata) => 4 + Buffer.byteLength(JSON.stringify(metadata));
  // Content sizes around C, and sizes that put the whole plaintext (record + content) around C.
  const cases: [string, number, E2eMetadata][] = [];
  for (const metadata of [{}, named]) {
    const r = recordOf(metadata);
    for (const size of [0, 1, C - 1, C, C + 1, 3 * C, C - r - 1, C - r, C - r + 1, 3 * C - r, 3 * C - r + 1]) cases.push([`${size} bytes, record ${r}`, size, metadata]);
  }

  it.each(cases)('CLI → web: %s', async (_label, size, metadata) => {
    const key = newKey();
    const body = bytes(size);
    const cipher = await nodeEncrypt(key, body, metadata);
    expect(cipher.length).toBe(e2eEncryptedLength(size, metadata, LOG2));
    let seen: E2eMetadata | undefined;
    const { metadata: got, blob } = await decryptToBlob(subtle, key, streamOf(pieces(cipher, 333)), { onMetadata: (m) => (seen = m) });
    expect((await blobBytes(blob)).equals(body)).toBe(true);
    expect(got).toEqual(metadata);
    expect(seen).toEqual(metadata);
    // Untrusted claimed types never reach the Blob: it is always opaque bytes.
    expect(blob.type).toBe('application/octet-stream');
  });

  it.each(cases)('web → CLI: %s', async (_label, size, metadata) => {
    const key = newKey();
    const body = bytes(size, 3);
    const progress: number[] = [];
    const blob = await encryptBlob(subtle, key, new Blob([body]), { metadata, chunkLog2: LOG2, onProgress: (done, total) => { expect(total).toBe(size); progress.push(done); } });
    expect(blob.size).toBe(encryptedSize(size, metadata, LOG2));
    expect(progress.at(-1)).toBe(size);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const decryptor = new E2eDecryptStream(Buffer.from(key));
    const plain = await through(decryptor, pieces(await blobBytes(blob), 1000));
    expect(plain.equals(body)).toBe(true);
    expect(decryptor.metadata).toEqual(metadata);
  });

  it('uses the default 64 KiB chunks when none is given, both ways', async () => {
    const key = newKey();
    const body = bytes(3 * 65536 + 5);
    const blob = await encryptBlob(subtle, key, new Blob([body]), { metadata: { name: 'a' } });
    const sealed = await blobBytes(blob);
    expect(sealed[5]).toBe(16);
    expect((await through(new E2eDecryptStream(Buffer.from(key)), [sealed])).equals(body)).toBe(true);
    const fromCli = await nodeEncrypt(key, body, {}, 16);
    expect((await webDecrypt(key, fromCli, 65536 * 2)).content.equals(body)).toBe(true);
  });
});

describe('e2e-web memory: one chunk at a time', () => {
  it('reads the input Blob one chunk-sized slice at a time, never whole', async () => {
    const body = bytes(5 * C + 100);
    const inner = new Blob([body]);
    const slices: [number, number][] = [];
    const spy: SliceableBlob = {
      size: inner.size,
      slice: (start, end) => {
        slices.push([start, end]);
        return inner.slice(start, end);
      },
    };
    const key = newKey();
    const blob = await encryptBlob(subtle, key, spy, { chunkLog2: LOG2 });
    expect(slices.length).toBeGreaterThanOrEqual(6);
    for (const [start, end] of slices) expect(end - start).toBeLessThanOrEqual(C);
    expect((await webDecrypt(key, await blobBytes(blob))).content.equals(body)).toBe(true);
  });

  it('hands content over chunk by chunk while the stream arrives', async () => {
    const key = newKey();
    const body = bytes(4 * C);
    const { calls } = await webDecrypt(key, await nodeEncrypt(key, body, {}), 50);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const size of calls) expect(size).toBeLessThanOrEqual(C);
  });

  it('reports the ciphertext bytes received', async () => {
    const key = newKey();
    const cipher = await nodeEncrypt(key, bytes(2 * C), {});
    const seen: number[] = [];
    await decryptStream(subtle, key, streamOf(pieces(cipher, 100)), () => undefined, { onProgress: (n) => seen.push(n) });
    expect(seen.at(-1)).toBe(cipher.length);
  });
});

describe('e2e-web refuses bad streams without releasing content', () => {
  const key = newKey();
  const body = bytes(3 * C + 10);
  let cipher: Buffer;

  async function refused(data: Uint8Array, withKey = key): Promise<{ error: E2eFormatError; delivered: number }> {
    let delivered = 0;
    const error = await failure(decryptStream(subtle, withKey, streamOf(pieces(Buffer.from(data), 300)), (part) => { delivered += part.length; }));
    return { error, delivered };
  }

  it('a wrong key fails on chunk 0 before any content', async () => {
    cipher = await nodeEncrypt(key, body, { name: 'secret.txt' });
    const { error, delivered } = await refused(cipher, newKey());
    expect(error.reason).toBe('auth');
    expect(error.chunk).toBe(0);
    expect(delivered).toBe(0);
  });

  it('an altered byte anywhere fails (header, first chunk, last chunk, last tag byte)', async () => {
    cipher = await nodeEncrypt(key, body, {});
    for (const at of [6, 20, 16 + C + 16 + 5, cipher.length - 1]) {
      const bad = Buffer.from(cipher);
      bad[at] = (bad[at] as number) ^ 0x01;
      const { error } = await refused(bad);
      expect(error.reason, `byte ${at}`).toBe('auth');
    }
  });

  it('truncation fails: mid-chunk, exactly at a chunk boundary, header only, empty, partial header', async () => {
    cipher = await nodeEncrypt(key, body, {});
    const sealed = C + 16;
    for (const length of [cipher.length - 1, 16 + 2 * sealed, 16 + sealed, 16 + 10, 16, 8, 0]) {
      const { error, delivered } = await refused(cipher.subarray(0, length));
      expect(['truncated', 'auth'], `length ${length}`).toContain(error.reason);
      expect(delivered, `length ${length}`).toBeLessThan(body.length);
    }
    expect((await refused(cipher.subarray(0, 16 + 2 * sealed))).error.reason).toBe('truncated');
    expect((await refused(new Uint8Array(0))).error.reason).toBe('truncated');
  });

  it('appended bytes fail, and so do dropped or swapped chunks', async () => {
    cipher = await nodeEncrypt(key, body, {});
    const sealed = C + 16;
    expect((await refused(Buffer.concat([cipher, Buffer.from([0])]))).error.reason).toMatch(/auth|truncated/);
    const chunk = (i: number) => cipher.subarray(16 + i * sealed, 16 + (i + 1) * sealed);
    const rest = cipher.subarray(16 + 2 * sealed);
    const swapped = Buffer.concat([cipher.subarray(0, 16), chunk(1), chunk(0), rest]);
    expect((await refused(swapped)).error.reason).toBe('auth');
    const dropped = Buffer.concat([cipher.subarray(0, 16), chunk(0), rest]);
    expect((await refused(dropped)).error.reason).toBe('auth');
  });

  it('content that is not an end-to-end stream is named as such', async () => {
    const { error } = await refused(new TextEncoder().encode('just some plain text, long enough'));
    expect(error.reason).toBe('not-e2e');
  });

  it('refuses a key of the wrong length before reading anything', async () => {
    await failure(decryptStream(subtle, new Uint8Array(16), streamOf([]), () => undefined));
    await expect(encryptBlob(subtle, new Uint8Array(31), new Blob([]))).rejects.toThrow();
  });
});

describe('collectToBlob', () => {
  it('gathers a plain stream with progress', async () => {
    const body = bytes(10_000);
    const seen: number[] = [];
    const blob = await collectToBlob(streamOf(pieces(body, 999)), (n) => seen.push(n));
    expect((await blobBytes(blob)).equals(body)).toBe(true);
    expect(seen.at(-1)).toBe(body.length);
  });
});
