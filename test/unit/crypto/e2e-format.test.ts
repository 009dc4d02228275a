// The end-to-end format: round trips through both implementations (node:crypto streams and the pure
// WebCrypto functions a browser uses), which must produce and accept identical bytes; every kind of
// tampering fails; and the streams run in flat memory.
import { randomBytes, webcrypto } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunkLayout,
  decodeKey,
  decryptAll,
  E2E_HEADER_LENGTH,
  E2E_TAG_LENGTH,
  E2eFormatError,
  encodeKey,
  encodeMetadata,
  encryptAll,
  encryptedLength,
  parseHeader,
  parseMetadata,
} from '../../../src/crypto/e2e-format.js';
import type { AesGcmSubtle, E2eMetadata } from '../../../src/crypto/e2e-format.js';
import { E2eDecryptStream, E2eEncryptStream, e2eEncryptedLength, newE2eKey } from '../../../src/crypto/e2e-stream.js';
import { failureOf, splitAt, through } from '../../helpers/streams.js';

const subtle = webcrypto.subtle as unknown as AesGcmSubtle;
const LOG2 = 10; // 1 KiB chunks: many chunks from small inputs
const C = 2 ** LOG2;
const SEALED = C + E2E_TAG_LENGTH;

async function encrypt(key: Buffer, content: Buffer, metadata: E2eMetadata = {}, pieces: readonly number[] = [], prefix?: Uint8Array): Promise<Buffer> {
  return through(new E2eEncryptStream(key, { metadata, chunkLog2: LOG2, ...(prefix ? { prefix } : {}) }), splitAt(content, pieces));
}

async function decrypt(key: Buffer, stream: Buffer, pieces: readonly number[] = []): Promise<{ content: Buffer; metadata: E2eMetadata | undefined }> {
  const decryptor = new E2eDecryptStream(key);
  let seen: E2eMetadata | undefined;
  decryptor.on('metadata', (metadata: E2eMetadata) => (seen = metadata));
  const content = await through(decryptor, splitAt(stream, pieces));
  expect(seen).toEqual(decryptor.metadata);
  return { content, metadata: decryptor.metadata };
}

async function decryptFailure(key: Buffer, stream: Buffer): Promise<E2eFormatError> {
  const error = await failureOf(new E2eDecryptStream(key), [stream]);
  expect(error).toBeInstanceOf(E2eFormatError);
  return error as E2eFormatError;
}

describe('e2e format: round trips', () => {
  it('content and metadata come back byte-identical, for any size and any split of the input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5 * C + 3 }), fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), async (bytes, cutsIn, cutsOut, name) => {
        const key = newE2eKey();
        const content = Buffer.from(bytes);
        const metadata: E2eMetadata = name === undefined ? {} : { name };
        const stream = await encrypt(key, content, metadata, cutsIn);
        expect(stream.length).toBe(e2eEncryptedLength(content.length, metadata, LOG2));
        const back = await decrypt(key, stream, cutsOut);
        expect(back.content.equals(content)).toBe(true);
        expect(back.metadata).toEqual(metadata);
      }),
      { numRuns: 60 },
    );
  });

  it('sizes at and around chunk boundaries (the plaintext includes the metadata record)', async () => {
    const key = newE2eKey();
    const record = encodeMetadata({}).length;
    for (const plain of [0, 1, C - 1, C, C + 1, 2 * C, 3 * C - 1]) {
      const size = Math.max(0, plain - record);
      const content = randomBytes(size);
      const stream = await encrypt(key, content);
      expect(stream.length).toBe(encryptedLength(record + size, C));
      expect((await decrypt(key, stream)).content.equals(content)).toBe(true);
      const layout = chunkLayout(stream.length, C);
      expect(layout.count).toBe(Math.floor((record + size) / C) + 1);
    }
  });

  it('the WebCrypto functions (browsers) and the node:crypto streams produce and read the same bytes', async () => {
    const key = newE2eKey();
    const prefix = randomBytes(7);
    for (const size of [0, 5, C, 3 * C + 17]) {
      const content = randomBytes(size);
      const metadata = { name: 'résumé.pdf', type: 'application/pdf' };
      const viaStream = await encrypt(key, content, metadata, [], prefix);
      const viaWeb = await encryptAll(subtle, key, prefix, content, metadata, LOG2);
      expect(Buffer.from(viaWeb).equals(viaStream)).toBe(true);
      const opened = await decryptAll(subtle, key, viaStream);
      expect(Buffer.from(opened.content).equals(content)).toBe(true);
      expect(opened.metadata).toEqual(metadata);
    }
  });

  it('every stream gets a fresh nonce prefix, so the same key and content never give the same bytes', async () => {
    const key = newE2eKey();
    const content = Buffer.from('same content under the same key');
    const a = await encrypt(key, content);
    const b = await encrypt(key, content);
    expect(a.subarray(6, 13).equals(b.subarray(6, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('keys: 43 base64url characters, one spelling per key', () => {
    for (let i = 0; i < 50; i++) {
      const key = newE2eKey();
      const text = encodeKey(key);
      expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(text).toBe(key.toString('base64url'));
      expect(Buffer.from(decodeKey(text)).equals(key)).toBe(true);
      expect(Buffer.from(decodeKey(`#${text}`)).equals(key)).toBe(true);
    }
    for (const bad of ['', 'abc', `${'A'.repeat(42)}+`, 'A'.repeat(44), `${'A'.repeat(42)}B`]) expect(() => decodeKey(bad)).toThrow(E2eFormatError);
  });
});

describe('e2e format: tampering is always detected', () => {
  const key = newE2eKey();
  const content = randomBytes(4 * C + 100);
  let stream: Buffer;
  const ready = encrypt(key, content, { name: 'x' }).then((bytes) => (stream = bytes));

  it('a wrong key fails on chunk 0, before any content is emitted', async () => {
    await ready;
    const decryptor = new E2eDecryptStream(newE2eKey());
    const emitted: Buffer[] = [];
    decryptor.on('data', (part: Buffer) => emitted.push(part));
    const error = await failureOf(decryptor, [stream]);
    expect((error as E2eFormatError).reason).toBe('auth');
    expect((error as E2eFormatError).chunk).toBe(0);
    expect((error as Error).message).toMatch(/wrong key/);
    expect(emitted.length).toBe(0);
  });

  it('any flipped bit (header, ciphertext or tag) fails', async () => {
    await ready;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: stream.length - 1 }), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const bad = Buffer.from(stream);
        bad[at] = (bad[at] as number) ^ (1 << bit);
        await decryptFailure(key, bad);
      }),
      { numRuns: 80 },
    );
  });

  it('truncation anywhere fails, also exactly at a chunk boundary', async () => {
    await ready;
    for (const length of [0, 5, E2E_HEADER_LENGTH, E2E_HEADER_LENGTH + 10, E2E_HEADER_LENGTH + SEALED, E2E_HEADER_LENGTH + 2 * SEALED, E2E_HEADER_LENGTH + 4 * SEALED, stream.length - 1]) {
      const error = await decryptFailure(key, stream.subarray(0, length));
      expect(['truncated', 'auth', 'not-e2e']).toContain(error.reason);
    }
  });

  it('reordered, dropped or duplicated chunks fail', async () => {
    await ready;
    const header = stream.subarray(0, E2E_HEADER_LENGTH);
    const chunks = [0, 1, 2, 3].map((i) => stream.subarray(E2E_HEADER_LENGTH + i * SEALED, E2E_HEADER_LENGTH + (i + 1) * SEALED));
    const final = stream.subarray(E2E_HEADER_LENGTH + 4 * SEALED);
    const c = (i: number) => chunks[i] as Buffer;
    for (const order of [[c(1), c(0), c(2), c(3), final], [c(0), c(2), c(3), final], [c(0), c(1), c(1), c(2), c(3), final], [c(0), c(1), c(2), final, c(3)]]) {
      expect((await decryptFailure(key, Buffer.concat([header, ...order]))).reason).toBe('auth');
    }
  });

  it('data appended after the final chunk fails', async () => {
    await ready;
    expect((await decryptFailure(key, Buffer.concat([stream, Buffer.from('x')]))).reason).toBe('auth');
  });

  it('a chunk moved from another stream under the same key fails (the header is associated data)', async () => {
    await ready;
    const other = await encrypt(key, content, { name: 'x' });
    const spliced = Buffer.concat([stream.subarray(0, E2E_HEADER_LENGTH + SEALED), other.subarray(E2E_HEADER_LENGTH + SEALED)]);
    expect((await decryptFailure(key, spliced)).reason).toBe('auth');
  });

  it('headers: wrong magic (the at-rest "SBAR" included), unknown version, bad chunk size, reserved bytes', async () => {
    await ready;
    const edit = (at: number, value: number) => {
      const bad = Buffer.from(stream);
      bad[at] = value;
      return bad;
    };
    expect(() => parseHeader(Buffer.from('SBAR\x01\x10\0\0\0\0\0\0\0\0\0\0', 'latin1'))).toThrow(/not an end-to-end/);
    expect((await decryptFailure(key, edit(4, 2))).reason).toBe('version');
    expect((await decryptFailure(key, edit(5, 9))).reason).toBe('header');
    expect((await decryptFailure(key, edit(5, 25))).reason).toBe('header');
    expect((await decryptFailure(key, edit(15, 1))).reason).toBe('header');
    expect((await decryptFailure(key, Buffer.from('plain text, not encrypted at all'))).reason).toBe('not-e2e');
  });

  it('metadata records: hostile lengths are refused, not allocated', () => {
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0xffffffff, 0);
    expect(() => parseMetadata(huge)).toThrow(/too long/);
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('abc')]);
    expect(() => parseMetadata(notJson)).toThrow(E2eFormatError);
    expect(parseMetadata(Buffer.from([0, 0, 0, 9, 0x7b]))).toBeNull();
    expect(parseMetadata(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d]))).toEqual({ metadata: {}, length: 6 });
  });

  it('WebCrypto readers reject the same tampering', async () => {
    await ready;
    await expect(decryptAll(subtle, newE2eKey(), stream)).rejects.toThrow(/wrong key/);
    const bad = Buffer.from(stream);
    const at = E2E_HEADER_LENGTH + 2 * SEALED + 3;
    bad[at] = (bad[at] as number) ^ 1;
    await expect(decryptAll(subtle, key, bad)).rejects.toThrow(/chunk 2/);
    await expect(decryptAll(subtle, key, stream.subarray(0, E2E_HEADER_LENGTH + 4 * SEALED))).rejects.toThrow(E2eFormatError);
  });
});

describe('e2e format: flat memory', () => {
  // Live memory, not garbage: each sample follows full collections, so the figure does not depend on
  // when V8 chooses to collect (summed garbage once crossed the bound on a busy CI machine, Node 24).
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const live = (): number => {
    // Two passes: the first leaves freed ArrayBuffer backing stores to a concurrent sweeper.
    collect();
    collect();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };

  it('256 MiB through encrypt and decrypt without memory growing with the size', async () => {
    const key = newE2eKey();
    const total = 256 * 1024 * 1024;
    const piece = randomBytes(256 * 1024);
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        produced += piece.length;
        this.push(piece);
      },
    });
    let received = 0;
    const samples: number[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received % (16 * 1024 * 1024) < chunk.length) samples.push(live());
        callback();
      },
    });
    const before = live();
    // Default 64 KiB chunks, as fpaste uses.
    await pipeline(source, new E2eEncryptStream(key, { metadata: { name: 'big.bin' } }), new E2eDecryptStream(key), sink);
    expect(received).toBe(total);
    expect(samples.length).toBeGreaterThanOrEqual(15);
    // What is in flight is a few stream buffers; holding anything proportional to the size would
    // pass 32 MiB by the third sample and reach ~256 MiB by the last.
    expect(Math.max(...samples) - before).toBeLessThan(32 * 1024 * 1024);
  }, 60_000);
});
