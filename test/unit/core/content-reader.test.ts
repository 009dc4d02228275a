import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { chunkOffset, EncryptStream, newHeader } from '../../../src/crypto/at-rest-format.js';
import { wrapKey } from '../../../src/crypto/key-wrap.js';
import { ContentReader } from '../../../src/core/content-reader.js';
import { IntegrityError } from '../../../src/core/errors.js';
import type { ItemRecord } from '../../../src/storage/ports.js';
import { MemoryBlobStore } from '../../helpers/memory-blob-store.js';
import { collect, drain, sameBytes, through } from '../../helpers/streams.js';

const WRAP = randomBytes(32);
const LOG2 = 10;
const CHUNK = 2 ** LOG2;

interface Stored {
  item: ItemRecord;
  plain: Buffer;
}

async function store(blobs: MemoryBlobStore, plain: Buffer, options: { inline?: boolean; chunkLog2?: number } = {}): Promise<Stored> {
  const id = randomBytes(16).toString('hex');
  const dataKey = randomBytes(32);
  const sealed = await through(new EncryptStream(dataKey, id, newHeader(options.chunkLog2 ?? LOG2)), [plain]);
  const blobId = randomBytes(16).toString('hex');
  if (!options.inline) blobs.put(blobId, sealed);
  const item: ItemRecord = {
    id,
    kind: 'paste',
    keyHash: null,
    owner: null,
    deleteTokenHash: null,
    size: plain.length,
    mimeType: 'application/octet-stream',
    filename: null,
    sha256: createHash('sha256').update(plain).digest('hex'),
    createdAt: 0,
    expiresAt: null,
    burnAfterRead: false,
    burnedAt: null,
    downloads: 0,
    downloadsRemaining: null,
    wrappedKey: wrapKey(WRAP, dataKey, id),
    blobId: options.inline ? null : blobId,
    inline: options.inline ? sealed : null,
  };
  return { item, plain };
}

async function rejection(promise: Promise<unknown>): Promise<IntegrityError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(IntegrityError);
  const error = caught as IntegrityError;
  expect(error.code).toBe('INTEGRITY_CHECK_FAILED');
  expect(error.status).toBe(500);
  expect(error.extra).toEqual({ integrity_report: error.report });
  expect(typeof error.report.detail).toBe('string');
  return error;
}

function setup(readPieceSize = CHUNK) {
  const blobs = new MemoryBlobStore({ readPieceSize });
  return { blobs, reader: new ContentReader(blobs, WRAP) };
}

describe('ContentReader.readWhole', () => {
  it('decrypts and verifies blob-backed and inline items', async () => {
    const { blobs, reader } = setup();
    for (const size of [1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3]) {
      for (const inline of [false, true]) {
        const { item, plain } = await store(blobs, randomBytes(size), { inline });
        expect(sameBytes(await reader.readWhole(item), plain), `${size} inline=${inline}`).toBe(true);
      }
    }
  });

  it('reads items written with the default 64 KiB chunks', async () => {
    const { blobs, reader } = setup(256 * 1024);
    const { item, plain } = await store(blobs, randomBytes(3 * 65536 + 10), { chunkLog2: 16 });
    expect(sameBytes(await reader.readWhole(item), plain)).toBe(true);
  });

  it('reports a recorded SHA-256 that does not match with expected and actual', async () => {
    const { blobs, reader } = setup();
    const { item, plain } = await store(blobs, randomBytes(3000));
    const recorded = createHash('sha256').update('something else').digest('hex');
    const error = await rejection(reader.readWhole({ ...item, sha256: recorded }));
    expect(error.report).toEqual({ expected: recorded, actual: createHash('sha256').update(plain).digest('hex'), detail: expect.any(String) });
  });

  it('reports a recorded size that does not match', async () => {
    const { blobs, reader } = setup();
    const { item } = await store(blobs, randomBytes(3000));
    await rejection(reader.readWhole({ ...item, size: 2999 }));
    await rejection(reader.readWhole({ ...item, size: 3001 }));
    await rejection(reader.readWhole({ ...item, size: 4000 }));
  });

  it('reports corrupted stored bytes (blob or inline) with actual = null and the chunk', async () => {
    const { blobs, reader } = setup();
    const { item } = await store(blobs, randomBytes(3000));
    blobs.corrupt(item.blobId as string, chunkOffset(2, CHUNK) + 7);
    const error = await rejection(reader.readWhole(item));
    expect(error.report.expected).toBe(item.sha256);
    expect(error.report.actual).toBeNull();
    expect(error.report.detail).toContain('chunk 2');

    const inline = await store(blobs, randomBytes(100), { inline: true });
    const bytes = Buffer.from(inline.item.inline as Buffer);
    bytes[20] = (bytes[20] as number) ^ 1;
    await rejection(reader.readWhole({ ...inline.item, inline: bytes }));
  });

  it('refuses swapped blobs, a wrapped key copied from another row, and another master key', async () => {
    const { blobs, reader } = setup();
    const a = await store(blobs, randomBytes(2000));
    const b = await store(blobs, randomBytes(2000));
    await rejection(reader.readWhole({ ...a.item, blobId: b.item.blobId }));
    await rejection(reader.readWhole({ ...a.item, wrappedKey: b.item.wrappedKey }));
    await rejection(reader.readWhole({ ...a.item, wrappedKey: b.item.wrappedKey, blobId: b.item.blobId }));
    await rejection(new ContentReader(blobs, randomBytes(32)).readWhole(a.item));
  });

  it('reports missing content', async () => {
    const { blobs, reader } = setup();
    const { item } = await store(blobs, randomBytes(100));
    await blobs.remove(item.blobId as string);
    expect((await rejection(reader.readWhole(item))).report.detail).toMatch(/missing/);
    await rejection(reader.readWhole({ ...item, blobId: null, inline: null }));
  });

  it('reports a truncated blob', async () => {
    const { blobs, reader } = setup();
    const { item } = await store(blobs, randomBytes(3 * CHUNK + 10));
    const blobId = item.blobId as string;
    for (const length of [chunkOffset(3, CHUNK), chunkOffset(2, CHUNK) + 100, 16, 3]) {
      blobs.put(blobId, (blobs.get(blobId) as Buffer).subarray(0, length));
      await rejection(reader.readWhole(item));
    }
  });
});

describe('ContentReader.stream', () => {
  it('streams the whole verified content', async () => {
    const { blobs, reader } = setup(700);
    for (const inline of [false, true]) {
      const { item, plain } = await store(blobs, randomBytes(7 * CHUNK + 99), { inline });
      expect(sameBytes(await collect(await reader.stream(item)), plain)).toBe(true);
    }
  });

  it('rejects before any byte when the first chunk is corrupt', async () => {
    const { blobs, reader } = setup();
    const { item } = await store(blobs, randomBytes(8 * CHUNK));
    blobs.corrupt(item.blobId as string, chunkOffset(0, CHUNK) + 3);
    const error = await rejection(reader.stream(item));
    expect(error.report.detail).toContain('chunk 0');
  });

  it('rejects before any byte when the header is corrupt or the key does not unwrap', async () => {
    const { blobs, reader } = setup();
    const { item } = await store(blobs, randomBytes(8 * CHUNK));
    const other = await store(blobs, randomBytes(10));
    await rejection(reader.stream({ ...item, wrappedKey: other.item.wrappedKey }));
    blobs.corrupt(item.blobId as string, 0);
    await rejection(reader.stream(item));
  });

  it('errors mid-stream when a later chunk is corrupt: the first chunk comes out, then an IntegrityError', async () => {
    const { blobs, reader } = setup();
    const { item, plain } = await store(blobs, randomBytes(8 * CHUNK + 5));
    blobs.corrupt(item.blobId as string, chunkOffset(5, CHUNK) + 100);
    const stream = await reader.stream(item);
    const { data, error } = await drain(stream);
    expect(data.length).toBeGreaterThanOrEqual(CHUNK);
    expect(data.length).toBeLessThanOrEqual(5 * CHUNK);
    expect(sameBytes(data, plain.subarray(0, data.length))).toBe(true);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).report.detail).toContain('chunk 5');
    expect((error as IntegrityError).report.expected).toBe(item.sha256);
  });

  it('never ends cleanly on a corrupt later chunk when the content arrives all at once (inline or synchronous reads)', async () => {
    const blobs = new MemoryBlobStore({ readPieceSize: 64 * 1024, asyncReads: false });
    const reader = new ContentReader(blobs, WRAP);
    for (const inline of [false, true]) {
      const { item, plain } = await store(blobs, randomBytes(8 * CHUNK), { inline });
      const at = chunkOffset(6, CHUNK) + 9;
      const bytes = Buffer.from(item.inline ?? Buffer.alloc(0));
      if (inline) bytes[at] = (bytes[at] as number) ^ 0x10;
      else blobs.corrupt(item.blobId as string, at);
      const corrupt = inline ? { ...item, inline: bytes } : item;
      let outcome: { data: Buffer; error: unknown };
      try {
        outcome = await drain(await reader.stream(corrupt));
      } catch (error) {
        outcome = { data: Buffer.alloc(0), error };
      }
      expect(outcome.error, `inline=${inline}`).toBeInstanceOf(IntegrityError);
      expect(outcome.data.length).toBeLessThan(plain.length);
      expect(sameBytes(outcome.data, plain.subarray(0, outcome.data.length))).toBe(true);
    }
  });

  it('errors at the end (never ends cleanly) when the recorded SHA-256 differs', async () => {
    const { blobs, reader } = setup();
    const { item, plain } = await store(blobs, randomBytes(4 * CHUNK));
    const recorded = 'ab'.repeat(32);
    const { data, error } = await drain(await reader.stream({ ...item, sha256: recorded }));
    expect(data.length).toBeLessThanOrEqual(plain.length);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).report).toEqual({ expected: recorded, actual: createHash('sha256').update(plain).digest('hex'), detail: expect.any(String) });
  });

  it('errors when the blob was truncated at a chunk boundary', async () => {
    const { blobs, reader } = setup();
    const { item } = await store(blobs, randomBytes(6 * CHUNK + 1));
    const blobId = item.blobId as string;
    blobs.put(blobId, (blobs.get(blobId) as Buffer).subarray(0, chunkOffset(6, CHUNK)));
    const { error } = await drain(await reader.stream(item));
    expect(error).toBeInstanceOf(IntegrityError);
  });

  it('serves any byte range exactly, from blobs and inline items', async () => {
    const { blobs, reader } = setup(333);
    const items = [await store(blobs, randomBytes(5 * CHUNK + 77)), await store(blobs, randomBytes(3 * CHUNK), { inline: true }), await store(blobs, randomBytes(1))];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...items), fc.nat(), fc.nat(), async ({ item, plain }, a, b) => {
        const start = Math.min(a, b) % plain.length;
        const end = Math.min(start + (Math.max(a, b) % plain.length), plain.length - 1);
        const out = await collect(await reader.stream(item, { start, end }));
        expect(sameBytes(out, plain.subarray(start, end + 1))).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('serves ranges at chunk edges', async () => {
    const { blobs, reader } = setup();
    const { item, plain } = await store(blobs, randomBytes(3 * CHUNK));
    for (const [start, end] of [
      [0, 0],
      [CHUNK - 1, CHUNK],
      [CHUNK, 2 * CHUNK - 1],
      [3 * CHUNK - 1, 3 * CHUNK - 1],
      [0, 3 * CHUNK - 1],
    ] as const) {
      expect(sameBytes(await collect(await reader.stream(item, { start, end })), plain.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
  });

  it('fails a range that covers a corrupt chunk, serves one that does not', async () => {
    const { blobs, reader } = setup();
    const { item, plain } = await store(blobs, randomBytes(6 * CHUNK));
    blobs.corrupt(item.blobId as string, chunkOffset(3, CHUNK) + 1);
    await rejection(reader.stream(item, { start: 3 * CHUNK, end: 3 * CHUNK + 10 }));
    const across = await drain(await reader.stream(item, { start: CHUNK, end: 4 * CHUNK }));
    expect(across.error).toBeInstanceOf(IntegrityError);
    expect(sameBytes(await collect(await reader.stream(item, { start: 0, end: 3 * CHUNK - 1 })), plain.subarray(0, 3 * CHUNK))).toBe(true);
  });

  it('fails a range read of another item\'s blob', async () => {
    const { blobs, reader } = setup();
    const a = await store(blobs, randomBytes(4 * CHUNK));
    const b = await store(blobs, randomBytes(4 * CHUNK));
    await rejection(reader.stream({ ...a.item, blobId: b.item.blobId }, { start: CHUNK, end: CHUNK + 5 }));
  });
});

describe('ContentReader at chunk boundaries (issue 12: a damaged empty final chunk read as complete)', () => {
  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK];
  /** The last tag byte of chunk `index`: every chunk, the empty final one too, ends with its tag. */
  const tagByte = (index: number, size: number): number => {
    const finalIndex = Math.floor(size / CHUNK);
    return chunkOffset(index, CHUNK) + (index < finalIndex ? CHUNK : size - finalIndex * CHUNK) + 15;
  };

  it('damage to any chunk, the final (possibly empty) one included, fails readWhole and never ends a stream cleanly', async () => {
    // Whole pieces, one byte at a time, and everything in one synchronous read.
    for (const blobs of [new MemoryBlobStore({ readPieceSize: CHUNK }), new MemoryBlobStore({ readPieceSize: 1 }), new MemoryBlobStore({ readPieceSize: 64 * CHUNK, asyncReads: false })]) {
      const reader = new ContentReader(blobs, WRAP);
      for (const size of sizes) {
        for (let index = 0; index <= Math.floor(size / CHUNK); index++) {
          const { item, plain } = await store(blobs, randomBytes(size));
          blobs.corrupt(item.blobId as string, tagByte(index, size));
          const where = `size ${size}, chunk ${index}`;
          const whole = await rejection(reader.readWhole(item));
          expect(whole.report.detail, where).toContain(`chunk ${index}`);
          let outcome: { data: Buffer; error: unknown };
          try {
            outcome = await drain(await reader.stream(item));
          } catch (error) {
            outcome = { data: Buffer.alloc(0), error };
          }
          expect(outcome.error, where).toBeInstanceOf(IntegrityError);
          // Short of the full size whatever the chunk: the client's Content-Length is never reached.
          expect(outcome.data.length, where).toBeLessThan(Math.max(plain.length, 1));
        }
      }
    }
  });
});
