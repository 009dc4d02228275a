import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import {
  chunkOffset,
  decryptAll,
  DecryptStream,
  DEFAULT_CHUNK_LOG2,
  EncryptStream,
  encryptAll,
  encryptedSize,
  finalChunkIndex,
  FormatError,
  HEADER_LENGTH,
  MAGIC,
  newHeader,
  parseHeader,
  TAG_LENGTH,
} from '../../../src/crypto/at-rest-format.js';
import type { StreamHeader } from '../../../src/crypto/at-rest-format.js';
import { failureOf, sameBytes, splitAt, through } from '../../helpers/streams.js';

const KEY = Buffer.from('6b1f0c3e9a4d2b7c8e5f1a0d3c6b9e2f4a7d0c3b6e9f2a5d8c1b4e7a0d3f6c9b', 'hex');
const ID = '3f2a9c1e7b5d4f608a1c2e3d4b5a6978';
const OTHER_ID = '3f2a9c1e7b5d4f608a1c2e3d4b5a6979';
const SMALL = 10; // 1 KiB chunks keep the property tests fast
const SMALL_CHUNK = 2 ** SMALL;
const DEFAULT_CHUNK_SIZE = 2 ** DEFAULT_CHUNK_LOG2;

async function encrypt(plain: Buffer, header: StreamHeader, cuts: readonly number[] = [], key = KEY, itemId = ID): Promise<Buffer> {
  return through(new EncryptStream(key, itemId, header), splitAt(plain, cuts));
}

async function decrypt(sealed: Buffer, plainSize: number, cuts: readonly number[] = [], key = KEY, itemId = ID): Promise<Buffer> {
  return through(new DecryptStream({ key, itemId, plainSize }), splitAt(sealed, cuts));
}

async function decryptFailure(sealed: Buffer, plainSize: number, options: { key?: Buffer; itemId?: string; cuts?: readonly number[] } = {}): Promise<unknown> {
  return failureOf(new DecryptStream({ key: options.key ?? KEY, itemId: options.itemId ?? ID, plainSize }), splitAt(sealed, options.cuts ?? []));
}

/** The sealed chunks of a stream, header excluded. */
function sealedChunks(sealed: Buffer, plainSize: number, chunkSize: number): Buffer[] {
  const out: Buffer[] = [];
  const last = finalChunkIndex(plainSize, chunkSize);
  for (let i = 0; i <= last; i++) out.push(sealed.subarray(chunkOffset(i, chunkSize), i === last ? sealed.length : chunkOffset(i + 1, chunkSize)));
  return out;
}

const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

describe('header', () => {
  it('lays out magic, version, chunk size log2, a 7-byte prefix and 3 zero bytes', () => {
    const prefix = Buffer.from('01020304050607', 'hex');
    const header = newHeader(12, prefix);
    expect(header.raw.length).toBe(HEADER_LENGTH);
    expect(header.raw.subarray(0, 4)).toEqual(MAGIC);
    expect(header.raw.subarray(0, 4).toString('ascii')).toBe('SBAR');
    expect(header.raw[4]).toBe(1);
    expect(header.raw[5]).toBe(12);
    expect(header.raw.subarray(6, 13)).toEqual(prefix);
    expect([...header.raw.subarray(13)]).toEqual([0, 0, 0]);
    expect(header.chunkSize).toBe(4096);
    expect(header.prefix).toEqual(prefix);
  });

  it('defaults to 64 KiB chunks and a random prefix', () => {
    expect(DEFAULT_CHUNK_LOG2).toBe(16);
    const a = newHeader();
    const b = newHeader();
    expect(a.chunkSize).toBe(65536);
    expect(a.prefix.equals(b.prefix)).toBe(false);
  });

  it('parses what it writes', () => {
    const header = newHeader(SMALL);
    const parsed = parseHeader(header.raw);
    expect(parsed.raw).toEqual(header.raw);
    expect(parsed.chunkSize).toBe(SMALL_CHUNK);
    expect(parsed.prefix).toEqual(header.prefix);
  });

  it.each([
    ['too short', (raw: Buffer) => raw.subarray(0, 15)],
    ['wrong magic', (raw: Buffer) => Buffer.concat([Buffer.from('SBAX'), raw.subarray(4)])],
    ['unknown version', (raw: Buffer) => Buffer.from(raw).fill(2, 4, 5)],
    ['chunk log2 below 10', (raw: Buffer) => Buffer.from(raw).fill(9, 5, 6)],
    ['chunk log2 above 24', (raw: Buffer) => Buffer.from(raw).fill(25, 5, 6)],
    ['reserved byte 13 set', (raw: Buffer) => Buffer.from(raw).fill(1, 13, 14)],
    ['reserved byte 15 set', (raw: Buffer) => Buffer.from(raw).fill(0x80, 15, 16)],
  ])('rejects a header with %s', (_name, mutate) => {
    expect(() => parseHeader(mutate(newHeader(SMALL).raw))).toThrow(FormatError);
  });
});

describe('sizes', () => {
  it('adds one tag per chunk plus the header, with a final chunk even for exact multiples', () => {
    expect(encryptedSize(0, 1024)).toBe(16 + 16);
    expect(encryptedSize(1, 1024)).toBe(16 + 1 + 16);
    expect(encryptedSize(1023, 1024)).toBe(16 + 1023 + 16);
    expect(encryptedSize(1024, 1024)).toBe(16 + 1024 + 2 * 16);
    expect(encryptedSize(1025, 1024)).toBe(16 + 1025 + 2 * 16);
    expect(finalChunkIndex(0, 1024)).toBe(0);
    expect(finalChunkIndex(1023, 1024)).toBe(0);
    expect(finalChunkIndex(1024, 1024)).toBe(1);
    expect(chunkOffset(0, 1024)).toBe(16);
    expect(chunkOffset(3, 1024)).toBe(16 + 3 * 1040);
  });
});

describe('round trip', () => {
  const sizes = [0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 3 * SMALL_CHUNK, 3 * SMALL_CHUNK + 17, 5 * SMALL_CHUNK - 1];

  it('decrypts what it encrypted, for boundary sizes, random content and any input chunking (1 KiB chunks)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sizes).chain((size) => fc.uint8Array({ minLength: size, maxLength: size })),
        cutsArb,
        cutsArb,
        async (bytes, encryptCuts, decryptCuts) => {
          const plain = Buffer.from(bytes);
          const header = newHeader(SMALL);
          const sealed = await encrypt(plain, header, encryptCuts);
          expect(sealed.length).toBe(encryptedSize(plain.length, SMALL_CHUNK));
          expect(sealed.subarray(0, HEADER_LENGTH)).toEqual(header.raw);
          expect(sameBytes(await decrypt(sealed, plain.length, decryptCuts), plain)).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('decrypts what it encrypted for random sizes up to a few chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6 * SMALL_CHUNK }), cutsArb, async (bytes, cuts) => {
        const plain = Buffer.from(bytes);
        const sealed = await encrypt(plain, newHeader(SMALL), cuts);
        expect(sameBytes(await decrypt(sealed, plain.length, cuts), plain)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it.each([0, 1, 65535, 65536, 65537, 3 * 65536 + 100])('round-trips %i bytes with the default 64 KiB chunks', async (size) => {
    const plain = randomBytes(size);
    const cuts = Array.from({ length: 8 }, () => Math.floor(Math.random() * (size + 1)));
    const sealed = await encrypt(plain, newHeader(), cuts);
    expect(sealed.length).toBe(encryptedSize(size));
    expect(sameBytes(await decrypt(sealed, size, [7, 100, 70000]), plain)).toBe(true);
  });

  it('gives a plaintext that is an exact multiple of the chunk size an empty final chunk', async () => {
    const plain = randomBytes(2 * SMALL_CHUNK);
    const sealed = await encrypt(plain, newHeader(SMALL));
    const chunks = sealedChunks(sealed, plain.length, SMALL_CHUNK);
    expect(chunks.map((chunk) => chunk.length)).toEqual([SMALL_CHUNK + TAG_LENGTH, SMALL_CHUNK + TAG_LENGTH, TAG_LENGTH]);
  });

  it('produces the same ciphertext however the plaintext is chunked', async () => {
    const plain = randomBytes(3 * SMALL_CHUNK + 5);
    const header = newHeader(SMALL);
    const whole = await encrypt(plain, header);
    const bytewise = await through(new EncryptStream(KEY, ID, header), [...plain].map((byte) => Buffer.from([byte])));
    expect(sameBytes(bytewise, whole)).toBe(true);
  });

  it('does not encrypt the same plaintext identically under two headers', async () => {
    const plain = Buffer.alloc(100, 0x61);
    expect((await encrypt(plain, newHeader(SMALL))).equals(await encrypt(plain, newHeader(SMALL)))).toBe(false);
  });
});

describe('tampering', () => {
  const plainSize = 2 * SMALL_CHUNK + 300; // two full chunks and a partial final one
  const exactSize = 2 * SMALL_CHUNK; // two full chunks and an empty final one

  async function sealedOf(size: number): Promise<Buffer> {
    return encrypt(randomBytes(size), newHeader(SMALL));
  }

  it('fails on a flipped bit anywhere: header, chunk body or tag', async () => {
    for (const size of [plainSize, exactSize, 0]) {
      const sealed = await sealedOf(size);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: sealed.length * 8 - 1 }), async (bit) => {
          const tampered = Buffer.from(sealed);
          tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
          expect(await decryptFailure(tampered, size)).toBeInstanceOf(FormatError);
        }),
        { numRuns: 80 },
      );
    }
  });

  it('fails on a flipped bit in every header byte and in every chunk, naming the chunk', async () => {
    const sealed = await sealedOf(plainSize);
    for (let offset = 0; offset < HEADER_LENGTH; offset++) {
      const tampered = Buffer.from(sealed);
      tampered[offset] = (tampered[offset] as number) ^ 0x01;
      expect(await decryptFailure(tampered, plainSize), `header byte ${offset}`).toBeInstanceOf(FormatError);
    }
    for (let chunk = 0; chunk <= 2; chunk++) {
      const start = chunkOffset(chunk, SMALL_CHUNK);
      const end = chunk === 2 ? sealed.length : chunkOffset(chunk + 1, SMALL_CHUNK);
      for (const offset of [start, start + 5, end - TAG_LENGTH - 1, end - TAG_LENGTH, end - 1]) {
        const tampered = Buffer.from(sealed);
        tampered[offset] = (tampered[offset] as number) ^ 0x80;
        const error = await decryptFailure(tampered, plainSize);
        expect(error, `chunk ${chunk} offset ${offset}`).toBeInstanceOf(FormatError);
        expect((error as FormatError).chunk).toBe(chunk);
      }
    }
  });

  it('fails on truncation anywhere: inside the header, at a chunk boundary or mid-chunk', async () => {
    for (const size of [plainSize, exactSize, 1]) {
      const sealed = await sealedOf(size);
      const boundaries = [0, 1, HEADER_LENGTH - 1, HEADER_LENGTH, ...[0, 1, 2].map((i) => chunkOffset(i, SMALL_CHUNK)).filter((at) => at < sealed.length)];
      for (const length of boundaries) expect(await decryptFailure(sealed.subarray(0, length), size), `length ${length}`).toBeInstanceOf(FormatError);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: sealed.length - 1 }), async (length) => {
          expect(await decryptFailure(sealed.subarray(0, length), size)).toBeInstanceOf(FormatError);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('fails when the final chunk is dropped even if the metadata size is made to match the rest', async () => {
    // Dropping the final chunk and claiming the stream ends earlier: chunk 1 was sealed as non-final.
    const sealed = await sealedOf(exactSize);
    const withoutFinal = sealed.subarray(0, chunkOffset(2, SMALL_CHUNK));
    expect(await decryptFailure(withoutFinal, exactSize)).toBeInstanceOf(FormatError);
    expect(await decryptFailure(withoutFinal, exactSize - 1)).toBeInstanceOf(FormatError);
  });

  it('fails on reordered, duplicated or dropped chunks', async () => {
    const sealed = await sealedOf(plainSize);
    const header = sealed.subarray(0, HEADER_LENGTH);
    const [c0, c1, c2] = sealedChunks(sealed, plainSize, SMALL_CHUNK) as [Buffer, Buffer, Buffer];
    expect(await decryptFailure(Buffer.concat([header, c1, c0, c2]), plainSize)).toBeInstanceOf(FormatError);
    expect(await decryptFailure(Buffer.concat([header, c0, c0, c2]), plainSize)).toBeInstanceOf(FormatError);
    expect(await decryptFailure(Buffer.concat([header, c0, c2]), plainSize)).toBeInstanceOf(FormatError);
    expect(await decryptFailure(Buffer.concat([header, c0, c2]), plainSize - SMALL_CHUNK)).toBeInstanceOf(FormatError);
  });

  it('fails on data appended after the final chunk', async () => {
    for (const size of [plainSize, exactSize, 0]) {
      const sealed = await sealedOf(size);
      const finalChunk = sealedChunks(sealed, size, SMALL_CHUNK).at(-1) as Buffer;
      for (const extra of [Buffer.from([0]), randomBytes(TAG_LENGTH), randomBytes(SMALL_CHUNK + TAG_LENGTH), finalChunk]) {
        expect(await decryptFailure(Buffer.concat([sealed, extra]), size), `size ${size} + ${extra.length}`).toBeInstanceOf(FormatError);
      }
    }
  });

  it('fails when decrypted as another item (blob swap), even under the same key', async () => {
    const sealed = await sealedOf(plainSize);
    const error = await decryptFailure(sealed, plainSize, { itemId: OTHER_ID });
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).chunk).toBe(0);
    expect(await decryptFailure(await sealedOf(0), 0, { itemId: OTHER_ID })).toBeInstanceOf(FormatError);
  });

  it('fails with the wrong key', async () => {
    const sealed = await sealedOf(plainSize);
    expect(await decryptFailure(sealed, plainSize, { key: randomBytes(32) })).toBeInstanceOf(FormatError);
  });

  it('fails when a chunk from another stream of the same item is spliced in', async () => {
    // Same key and item id, different header (prefix): the header is in every chunk's AAD and nonce.
    const a = await sealedOf(plainSize);
    const b = await sealedOf(plainSize);
    const chunksB = sealedChunks(b, plainSize, SMALL_CHUNK);
    const spliced = Buffer.concat([a.subarray(0, chunkOffset(1, SMALL_CHUNK)), chunksB[1] as Buffer, chunksB[2] as Buffer]);
    const error = await decryptFailure(spliced, plainSize);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).chunk).toBe(1);
  });

  it('fails when the metadata claims a larger plaintext than was stored', async () => {
    const sealed = await sealedOf(plainSize);
    expect(await decryptFailure(sealed, plainSize + SMALL_CHUNK)).toBeInstanceOf(FormatError);
  });
});

describe('range decryption', () => {
  async function decryptRange(sealed: Buffer, plainSize: number, first: number, last: number, cuts: readonly number[] = []): Promise<Buffer> {
    const header = parseHeader(sealed.subarray(0, HEADER_LENGTH));
    const input = sealed.subarray(chunkOffset(first, header.chunkSize), chunkOffset(last + 1, header.chunkSize));
    return through(new DecryptStream({ key: KEY, itemId: ID, plainSize, header, firstChunk: first, lastChunk: last }), splitAt(input, cuts));
  }

  it('returns exactly the plaintext of the requested chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 * SMALL_CHUNK }).chain((size) => fc.tuple(fc.constant(size), fc.nat({ max: size - 1 }), fc.nat({ max: size - 1 }))),
        cutsArb,
        async ([size, a, b], cuts) => {
          const plain = randomBytes(size);
          const sealed = await encrypt(plain, newHeader(SMALL));
          const first = Math.floor(Math.min(a, b) / SMALL_CHUNK);
          const last = Math.floor(Math.max(a, b) / SMALL_CHUNK);
          const out = await decryptRange(sealed, size, first, last, cuts);
          expect(sameBytes(out, plain.subarray(first * SMALL_CHUNK, Math.min((last + 1) * SMALL_CHUNK, size)))).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('decrypts a middle chunk, the final chunk and the empty final chunk alone', async () => {
    const plain = randomBytes(3 * SMALL_CHUNK);
    const sealed = await encrypt(plain, newHeader(SMALL));
    expect(sameBytes(await decryptRange(sealed, plain.length, 1, 1), plain.subarray(SMALL_CHUNK, 2 * SMALL_CHUNK))).toBe(true);
    expect(sameBytes(await decryptRange(sealed, plain.length, 2, 2), plain.subarray(2 * SMALL_CHUNK))).toBe(true);
    expect(await decryptRange(sealed, plain.length, 3, 3)).toEqual(Buffer.alloc(0));
    expect(sameBytes(await decryptRange(sealed, plain.length, 0, 3), plain)).toBe(true);
  });

  it('fails on a tampered or truncated chunk inside the range', async () => {
    const plain = randomBytes(4 * SMALL_CHUNK + 10);
    const sealed = await encrypt(plain, newHeader(SMALL));
    const header = parseHeader(sealed.subarray(0, HEADER_LENGTH));
    const options = { key: KEY, itemId: ID, plainSize: plain.length, header, firstChunk: 1, lastChunk: 2 };
    const input = Buffer.from(sealed.subarray(chunkOffset(1, SMALL_CHUNK), chunkOffset(3, SMALL_CHUNK)));
    const tampered = Buffer.from(input);
    tampered[SMALL_CHUNK + 20] = (tampered[SMALL_CHUNK + 20] as number) ^ 0x04;
    expect(await failureOf(new DecryptStream(options), [tampered])).toBeInstanceOf(FormatError);
    expect(await failureOf(new DecryptStream(options), [input.subarray(0, input.length - 1)])).toBeInstanceOf(FormatError);
    expect(await failureOf(new DecryptStream(options), [input.subarray(0, SMALL_CHUNK + TAG_LENGTH)])).toBeInstanceOf(FormatError);
    // Chunks presented at the wrong index: chunks 1..2 claimed to be 2..3.
    expect(await failureOf(new DecryptStream({ ...options, firstChunk: 2, lastChunk: 3 }), [input])).toBeInstanceOf(FormatError);
    // The final chunk presented as a range ending before the final chunk.
    const tail = sealed.subarray(chunkOffset(4, SMALL_CHUNK));
    expect(await failureOf(new DecryptStream({ ...options, firstChunk: 3, lastChunk: 3 }), [tail])).toBeInstanceOf(FormatError);
  });

  it('fails when more data than the requested chunks arrives (a whole extra chunk included)', async () => {
    const plain = randomBytes(4 * SMALL_CHUNK + 10);
    const sealed = await encrypt(plain, newHeader(SMALL));
    const header = parseHeader(sealed.subarray(0, HEADER_LENGTH));
    const options = { key: KEY, itemId: ID, plainSize: plain.length, header, firstChunk: 1, lastChunk: 1 };
    const twoChunks = sealed.subarray(chunkOffset(1, SMALL_CHUNK), chunkOffset(3, SMALL_CHUNK));
    expect(await failureOf(new DecryptStream(options), [Buffer.concat([sealed.subarray(chunkOffset(1, SMALL_CHUNK), chunkOffset(2, SMALL_CHUNK)), Buffer.from([1, 2, 3])])])).toBeInstanceOf(FormatError);
    expect(await failureOf(new DecryptStream(options), [twoChunks])).toBeInstanceOf(FormatError);
  });
});

describe('encryptAll (a small upload in memory)', () => {
  it('produces the bytes EncryptStream produces for the same header, however the stream was fed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5 * SMALL_CHUNK }), cutsArb, async (bytes, cuts) => {
        const plain = Buffer.from(bytes);
        const header = newHeader(SMALL);
        const whole = encryptAll(KEY, ID, plain, header);
        expect(sameBytes(whole, await encrypt(plain, header, cuts))).toBe(true);
        expect(whole.length).toBe(encryptedSize(plain.length, SMALL_CHUNK));
        expect(sameBytes(decryptAll(KEY, ID, plain.length, whole), plain)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('agrees at every chunk boundary with the default chunk size, an empty final chunk included', async () => {
    for (const size of [0, 1, DEFAULT_CHUNK_SIZE - 1, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE + 1, 2 * DEFAULT_CHUNK_SIZE]) {
      const plain = randomBytes(size);
      const header = newHeader();
      const whole = encryptAll(KEY, ID, plain, header);
      expect(sameBytes(whole, await encrypt(plain, header)), `size ${size}`).toBe(true);
      expect(await decrypt(whole, size)).toEqual(plain);
    }
  });

  it('binds the item id like the stream does (another id does not open it)', () => {
    const sealed = encryptAll(KEY, ID, Buffer.from('bound to its item'));
    expect(() => decryptAll(KEY, OTHER_ID, 17, sealed)).toThrow(FormatError);
  });
});
