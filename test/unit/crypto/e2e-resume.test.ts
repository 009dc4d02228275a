// Resuming an end-to-end encrypted upload at a ciphertext offset: the offset → chunk arithmetic, and
// that re-sealing from the chunk holding the offset gives exactly the bytes a full encryption has
// there (so the server's partial plus the resumed rest is the ciphertext of one whole encryption).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fileBody, encryptedRange, newEncryption } from '../../../src/cli/body.js';
import { E2E_HEADER_LENGTH, E2E_TAG_LENGTH, encodeMetadata, encryptedLength } from '../../../src/crypto/e2e-format.js';
import { e2eResumePoint } from '../../../src/crypto/e2e-resume.js';
import { E2eDecryptStream, E2eEncryptStream, newE2eKey } from '../../../src/crypto/e2e-stream.js';
import { collect, through } from '../../helpers/streams.js';

const LOG2 = 10;
const C = 2 ** LOG2;
const SEALED = C + E2E_TAG_LENGTH;

describe('e2eResumePoint', () => {
  const M = 20; // a metadata record of 20 bytes
  const content = 5 * C + 3;

  it('offsets inside the header or chunk 0 regenerate from the start, header included', () => {
    expect(e2eResumePoint(0, M, content, C)).toEqual({ chunk: 0, skip: 0, plainStart: 0, recordStart: 0, contentStart: 0 });
    expect(e2eResumePoint(15, M, content, C)).toEqual({ chunk: 0, skip: 15, plainStart: 0, recordStart: 0, contentStart: 0 });
    expect(e2eResumePoint(E2E_HEADER_LENGTH + SEALED - 1, M, content, C)).toMatchObject({ chunk: 0, skip: E2E_HEADER_LENGTH + SEALED - 1 });
  });

  it('a chunk boundary starts that chunk with nothing to skip; the content resumes after the record', () => {
    expect(e2eResumePoint(E2E_HEADER_LENGTH + SEALED, M, content, C)).toEqual({ chunk: 1, skip: 0, plainStart: C, recordStart: M, contentStart: C - M });
    expect(e2eResumePoint(E2E_HEADER_LENGTH + 3 * SEALED + 100, M, content, C)).toEqual({ chunk: 3, skip: 100, plainStart: 3 * C, recordStart: M, contentStart: 3 * C - M });
  });

  it('the very end (everything stored) points past the final chunk: nothing left to send', () => {
    const total = encryptedLength(M + content, C);
    const point = e2eResumePoint(total, M, content, C);
    expect(point.chunk).toBe(Math.floor((M + content) / C));
    expect(total - (E2E_HEADER_LENGTH + point.chunk * SEALED)).toBe(point.skip);
  });

  it('a metadata record longer than a chunk: later chunks still hold part of it, and no content is skipped', () => {
    const long = 2 * C + 10;
    expect(e2eResumePoint(E2E_HEADER_LENGTH + SEALED, long, content, C)).toEqual({ chunk: 1, skip: 0, plainStart: C, recordStart: C, contentStart: 0 });
    expect(e2eResumePoint(E2E_HEADER_LENGTH + 3 * SEALED, long, content, C)).toEqual({ chunk: 3, skip: 0, plainStart: 3 * C, recordStart: long, contentStart: 3 * C - long });
  });

  it('offsets outside the ciphertext are refused', () => {
    expect(() => e2eResumePoint(-1, M, content, C)).toThrow(RangeError);
    expect(() => e2eResumePoint(encryptedLength(M + content, C) + 1, M, content, C)).toThrow(RangeError);
    expect(() => e2eResumePoint(1.5, M, content, C)).toThrow(RangeError);
  });
});

describe('re-sealing from the chunk that holds an offset', () => {
  it('gives the same bytes as the whole encryption from that offset on, for any content, name and offset', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6 * C + 5 }), fc.string({ maxLength: 1500 }), fc.double({ min: 0, max: 1, noNaN: true }), async (bytes, name, where) => {
        const key = newE2eKey();
        const prefix = Buffer.from('resume!');
        const content = Buffer.from(bytes);
        const metadata = name === '' ? {} : { name };
        const whole = await through(new E2eEncryptStream(key, { metadata, prefix, chunkLog2: LOG2 }), [content]);
        const offset = Math.floor(where * whole.length);
        const point = e2eResumePoint(offset, encodeMetadata(metadata).length, content.length, C);
        const again = await through(new E2eEncryptStream(key, { metadata, prefix, chunkLog2: LOG2, fromChunk: point.chunk }), [content.subarray(point.contentStart)]);
        expect(again.subarray(point.skip).equals(whole.subarray(offset))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('a resumed ciphertext (stored part + regenerated rest) decrypts to the content', async () => {
    const encryption = newEncryption(newE2eKey(), { name: 'notes.txt' });
    const content = Buffer.alloc(300_000);
    for (let at = 0; at < content.length; at += 4) content.writeUInt32BE(at, at);
    const total = encryptedLength(encodeMetadata(encryption.metadata).length + content.length);
    const cut = Math.floor(total * 0.4);
    const head = await collect(encryptedRange(encryption, content.length, 0, cut, (position) => Readable.from([content.subarray(position)])));
    const tail = await collect(encryptedRange(encryption, content.length, cut, total, (position) => Readable.from([content.subarray(position)])));
    expect(head.length + tail.length).toBe(total);
    const back = await through(new E2eDecryptStream(encryption.key), [head, tail]);
    expect(back.equals(content)).toBe(true);
  });

  it('reads the content only from the chunk that holds the offset, never from 0', async () => {
    const encryption = newEncryption(newE2eKey(), {});
    const content = Buffer.alloc(10 * 65536, 7);
    const opened: number[] = [];
    const offset = E2E_HEADER_LENGTH + 6 * (65536 + E2E_TAG_LENGTH) + 123;
    await collect(encryptedRange(encryption, content.length, offset, offset + 1000, (position) => (opened.push(position), Readable.from([content.subarray(position)]))));
    expect(opened).toEqual([6 * 65536 - encodeMetadata({}).length]);
  });
});

describe('file bodies: range() against open()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fpaste-range-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const encrypt of [true, false]) {
    it(`${encrypt ? 'encrypted' : 'plain'}: any window is the same bytes as the whole body has there`, async () => {
      const path = join(dir, `f-${encrypt}`);
      const content = Buffer.alloc(3 * 65536 + 777);
      for (let at = 0; at + 4 <= content.length; at += 4) content.writeUInt32BE(at * 2654435761 >>> 0, at);
      writeFileSync(path, content);
      const body = fileBody(path, encrypt ? newEncryption(newE2eKey(), { name: 'f.bin' }) : null);
      const whole = await collect(body.open());
      expect(whole.length).toBe(body.length);
      const edges = [0, 1, 15, 16, 17, 65536, 65552, 65553, 65568, body.length - 17, body.length - 1, body.length];
      for (const start of edges) for (const end of [start, start + 1, start + 70_000, body.length]) {
        const to = Math.min(end, body.length);
        const got = await collect((body.range as (s: number, e: number) => Readable)(start, to));
        expect(got.equals(whole.subarray(start, to)), `range ${start}..${to}`).toBe(true);
      }
    });
  }

  it('a file that shrank since it was measured fails the range instead of sending less', async () => {
    const path = join(dir, 'shrinks');
    writeFileSync(path, Buffer.alloc(200_000, 1));
    const body = fileBody(path, null);
    writeFileSync(path, Buffer.alloc(100_000, 1));
    await expect(collect((body.range as (s: number, e: number) => Readable)(50_000, 200_000))).rejects.toThrow(/ended .* early/);
  });
});
