// How the page decides to show content (src/web/sniff.ts, classifyContent) and how much of it that
// costs: a fake Blob records every read, proving that a binary or anything over MAX_TEXT_BYTES is judged
// by its first SNIFF_BYTES and never read whole (a 100 MiB paste must not also become a 100 MiB
// ArrayBuffer beside its Blob).
import { describe, expect, it } from 'vitest';
import { classifyContent, couldBeText, MAX_TEXT_BYTES, SNIFF_BYTES } from '../../../src/web/sniff.js';
import type { ReadableBlob } from '../../../src/web/sniff.js';

/** A Blob of `size` bytes whose byte i is `byteAt(i)`; `reads` gets [start, end) of every arrayBuffer(). */
class FakeBlob implements ReadableBlob {
  readonly size: number;

  constructor(
    private readonly byteAt: (index: number) => number,
    private readonly start: number,
    private readonly end: number,
    readonly reads: [number, number][],
  ) {
    this.size = end - start;
  }

  static of(size: number, byteAt: (index: number) => number): FakeBlob {
    return new FakeBlob(byteAt, 0, size, []);
  }

  slice(start = 0, end = this.size): FakeBlob {
    // Blob.slice clamps to the blob; offsets are relative to this slice.
    const from = this.start + Math.min(Math.max(start, 0), this.size);
    const to = this.start + Math.min(Math.max(end, 0), this.size);
    return new FakeBlob(this.byteAt, from, Math.max(from, to), this.reads);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    this.reads.push([this.start, this.end]);
    const bytes = new Uint8Array(this.size);
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.byteAt(this.start + i);
    return Promise.resolve(bytes.buffer);
  }

  /** The most bytes any single read copied. */
  largestRead(): number {
    return Math.max(0, ...this.reads.map(([start, end]) => end - start));
  }
}

const ascii = (index: number): number => 0x61 + (index % 26);
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('classifyContent reads as little as it needs', () => {
  it('a text over MAX_TEXT_BYTES is offered as a download after reading only its first bytes', async () => {
    const blob = FakeBlob.of(MAX_TEXT_BYTES + 1, ascii);
    expect(await classifyContent(blob)).toEqual({ kind: 'binary', tooLarge: true });
    expect(blob.reads).toEqual([[0, SNIFF_BYTES]]);
  });

  it('a 100 MiB binary (NUL bytes) is never read whole', async () => {
    const blob = FakeBlob.of(100 * 1024 * 1024, (index) => index % 251);
    expect(await classifyContent(blob)).toEqual({ kind: 'binary', tooLarge: true });
    expect(blob.largestRead()).toBe(SNIFF_BYTES);
  });

  it('a 10 MiB binary under the text limit is turned away by a NUL in its head, without reading the rest', async () => {
    const blob = FakeBlob.of(10 * 1024 * 1024, (index) => (index === 1000 ? 0 : ascii(index)));
    expect(await classifyContent(blob)).toEqual({ kind: 'binary', tooLarge: false });
    expect(blob.reads).toEqual([[0, SNIFF_BYTES]]);
  });

  it('a 10 MiB binary whose head is invalid UTF-8 (no NUL) is turned away the same way', async () => {
    const blob = FakeBlob.of(10 * 1024 * 1024, (index) => (index === 5 ? 0xff : ascii(index)));
    expect(await classifyContent(blob)).toEqual({ kind: 'binary', tooLarge: false });
    expect(blob.reads).toEqual([[0, SNIFF_BYTES]]);
  });

  it('a 100 MiB PNG is shown as an image from its head alone (the page uses a blob: URL, no copy)', async () => {
    const blob = FakeBlob.of(100 * 1024 * 1024, (index) => PNG[index] ?? 0);
    expect(await classifyContent(blob)).toEqual({ kind: 'image', type: 'image/png' });
    expect(blob.reads).toEqual([[0, SNIFF_BYTES]]);
  });

  it('a small text is read once: its head is the whole of it', async () => {
    const blob = FakeBlob.of(1000, ascii);
    const got = await classifyContent(blob);
    expect(got.kind === 'text' && got.text.length).toBe(1000);
    expect(blob.reads).toEqual([[0, 1000]]);
  });

  it('a text larger than the head is read whole only after its head looked like text', async () => {
    const size = 3 * SNIFF_BYTES + 7;
    const blob = FakeBlob.of(size, ascii);
    const got = await classifyContent(blob);
    expect(got.kind === 'text' && got.text.length).toBe(size);
    expect(blob.reads).toEqual([
      [0, SNIFF_BYTES],
      [0, size],
    ]);
  });

  it('a NUL after the head still makes it a download (the whole is checked before it is shown)', async () => {
    const blob = FakeBlob.of(2 * SNIFF_BYTES, (index) => (index === SNIFF_BYTES + 10 ? 0 : ascii(index)));
    expect(await classifyContent(blob)).toEqual({ kind: 'binary', tooLarge: false });
  });

  it('a multi-byte character cut by the end of the head is still text', async () => {
    // "é" (0xc3 0xa9) straddles the head's last byte: the head alone ends mid-character.
    const bytes = new Uint8Array(SNIFF_BYTES + 100).fill(0x61);
    bytes[SNIFF_BYTES - 1] = 0xc3;
    bytes[SNIFF_BYTES] = 0xa9;
    const blob = FakeBlob.of(bytes.length, (index) => bytes[index] ?? 0);
    const got = await classifyContent(blob);
    expect(got.kind).toBe('text');
    expect(got.kind === 'text' && got.text.includes('é')).toBe(true);
  });
});

describe('couldBeText', () => {
  it('allows a cut-off character only when the head is not the whole content', () => {
    expect(couldBeText(Uint8Array.of(0x61, 0xc3), false)).toBe(true);
    expect(couldBeText(Uint8Array.of(0x61, 0xc3), true)).toBe(false);
  });

  it('refuses NUL and invalid UTF-8', () => {
    expect(couldBeText(Uint8Array.of(0x61, 0x00), false)).toBe(false);
    expect(couldBeText(Uint8Array.of(0xff, 0x61), false)).toBe(false);
  });
});
