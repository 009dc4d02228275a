import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { ContentInspector, inspectWhole } from '../../../src/core/content-inspector.js';
import { AppError } from '../../../src/core/errors.js';
import { failureOf, sameBytes, splitAt, through } from '../../helpers/streams.js';
import { unicodeString } from '../../helpers/arbitraries.js';

const MAX = 1024 * 1024;

async function inspect(data: Buffer, cuts: readonly number[] = [], maxSize = MAX): Promise<{ inspector: ContentInspector; output: Buffer }> {
  const inspector = new ContentInspector(maxSize);
  const output = await through(inspector, splitAt(data, cuts));
  return { inspector, output };
}

/** Every way of splitting `data` into two pieces, and into single bytes. */
function allSplits(data: Buffer): number[][] {
  const splits: number[][] = [[]];
  for (let at = 1; at < data.length; at++) splits.push([at]);
  splits.push(Array.from({ length: data.length }, (_, i) => i));
  return splits;
}

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('size limit', () => {
  it('accepts exactly the maximum, however it arrives', async () => {
    const data = randomBytes(1000);
    for (const cuts of [[], [1], [999], [10, 500, 990]]) {
      const { inspector, output } = await inspect(data, cuts, 1000);
      expect(inspector.size).toBe(1000);
      expect(sameBytes(output, data)).toBe(true);
    }
  });

  it('refuses one byte over the maximum with TOO_LARGE (413)', async () => {
    const data = randomBytes(1001);
    for (const cuts of [[], [1000], [1], [500]]) {
      const error = await failureOf(new ContentInspector(1000), splitAt(data, cuts));
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('TOO_LARGE');
      expect((error as AppError).status).toBe(413);
    }
  });

  it('never passes on more than the maximum before failing', async () => {
    const inspector = new ContentInspector(100);
    const seen: Buffer[] = [];
    inspector.on('data', (chunk: Buffer) => seen.push(chunk));
    const failed = new Promise<unknown>((resolve) => inspector.on('error', resolve));
    for (let i = 0; i < 20; i++) inspector.write(Buffer.alloc(10, 0x61));
    inspector.end();
    expect(await failed).toBeInstanceOf(AppError);
    expect(Buffer.concat(seen).length).toBeLessThanOrEqual(100);
  });
});

describe('hash and head', () => {
  it('computes the SHA-256 and keeps the first 64 KiB, for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 1000, 65535, 65536, 65537, 150_000), fc.array(fc.nat(), { maxLength: 10 }), async (size, cuts) => {
        const data = randomBytes(size);
        const { inspector, output } = await inspect(data, cuts);
        expect(inspector.size).toBe(size);
        expect(inspector.sha256).toBe(createHash('sha256').update(data).digest('hex'));
        expect(sameBytes(inspector.head, data.subarray(0, 65536))).toBe(true);
        expect(sameBytes(output, data)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('hashes the empty content', async () => {
    const { inspector } = await inspect(Buffer.alloc(0));
    expect(inspector.size).toBe(0);
    expect(inspector.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(inspector.head.length).toBe(0);
    expect(inspector.utf8).toBe(true);
  });
});

describe('UTF-8 validity', () => {
  it('accepts any valid UTF-8 text without NUL, split at any byte positions', async () => {
    await fc.assert(
      fc.asyncProperty(unicodeString(80), fc.array(fc.nat(), { maxLength: 16 }), async (text, cuts) => {
        const data = Buffer.from(text.replace(/\0/g, ''), 'utf8');
        const { inspector } = await inspect(data, cuts);
        expect(inspector.utf8).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts multibyte characters split inside the character', async () => {
    for (const text of ['é', '€', '😀', 'a€b😀c', '日本語テキスト', '\u{10FFFF}', '\u07FF\u0800\uFFFF\u{10000}']) {
      const data = Buffer.from(text, 'utf8');
      for (const cuts of allSplits(data)) {
        const { inspector } = await inspect(data, cuts);
        expect(inspector.utf8, `${JSON.stringify(text)} cut at ${cuts.join(',')}`).toBe(true);
      }
    }
  });

  it.each([
    ['a truncated 2-byte character at the end', '61 c3'],
    ['a truncated 3-byte character at the end', '61 e2 82'],
    ['a 4-byte character missing one byte', 'f0 9f 98'],
    ['a 4-byte character missing two bytes', '61 f0 9f'],
    ['a lone lead byte at the end', '61 62 f0'],
    ['a stray continuation byte', '61 80 62'],
    ['a stray continuation byte at the end', '61 62 bf'],
    ['an overlong 2-byte slash', 'c0 af'],
    ['an overlong 2-byte NUL', 'c0 80'],
    ['an overlong 3-byte slash', 'e0 80 af'],
    ['an overlong 4-byte slash', 'f0 80 80 af'],
    ['a CESU-8 high surrogate', 'ed a0 80'],
    ['a CESU-8 low surrogate', 'ed b0 80'],
    ['a CESU-8 surrogate pair', 'ed a0 bd ed b8 80'],
    ['a code point above U+10FFFF', 'f4 90 80 80'],
    ['0xFE', '61 fe 62'],
    ['0xFF', 'ff'],
    ['a 5-byte sequence', 'f8 88 80 80 80'],
    ['a lead byte followed by ASCII', 'c3 41'],
    ['a NUL byte', '61 00 62'],
    ['only a NUL byte', '00'],
    ['a NUL after multibyte text', 'c3 a9 00'],
  ])('rejects %s, however it is split', async (_name, bytes) => {
    const data = Buffer.concat([Buffer.from('text '), hex(bytes)]);
    for (const cuts of allSplits(data)) {
      const { inspector } = await inspect(data, cuts);
      expect(inspector.utf8, `cut at ${cuts.join(',')}`).toBe(false);
    }
  });

  it('rejects invalid bytes found after a long valid prefix', async () => {
    const data = Buffer.concat([Buffer.from('é'.repeat(50_000)), hex('ed a0 80'), Buffer.from('tail')]);
    const { inspector } = await inspect(data, [65536, 100_000, 100_001]);
    expect(inspector.utf8).toBe(false);
  });

  it('agrees with a whole-buffer check for any bytes and any split', async () => {
    // Tokens biased towards the interesting cases: complete characters, fragments, and bad bytes.
    const token = fc.oneof(
      unicodeString(3, 1).map((text) => Buffer.from(text, 'utf8')),
      fc.constantFrom(...['80', 'bf', 'c0', 'c2', 'c3', 'df', 'e0', 'e2 82', 'ed', 'ed a0', 'ef bf', 'f0', 'f0 9f', 'f0 9f 98', 'f4 8f bf', 'f4 90', 'f5', 'fe', 'ff', '00'].map(hex)),
      fc.uint8Array({ maxLength: 4 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), async (tokens, cuts) => {
        const data = Buffer.concat(tokens);
        const { inspector } = await inspect(data, cuts);
        expect(inspector.utf8).toBe(isUtf8(data) && !data.includes(0));
      }),
      { numRuns: 400 },
    );
  });
});

describe('inspectWhole (a small upload in memory) agrees with the streamed inspection', () => {
  /** Bytes that exercise the UTF-8 verdict: text, text cut inside a character, NUL, stray bytes. */
  const contentArb = fc.oneof(
    unicodeString(120).map((text) => Buffer.from(text, 'utf8')),
    unicodeString(120).map((text) => {
      const bytes = Buffer.from(text, 'utf8');
      return bytes.subarray(0, Math.max(0, bytes.length - 1));
    }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom(hex('00'), hex('c3'), hex('80'), hex('e2 82'), hex('f0 9f 98 80'), Buffer.alloc(0)),
  );

  it('size, SHA-256, head, UTF-8 verdict and entropy, for any content and any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(contentArb, fc.array(fc.nat(), { maxLength: 8 }), async (data, cuts) => {
        const streamed = new ContentInspector(MAX, true);
        await through(streamed, splitAt(data, cuts));
        const whole = inspectWhole(data, MAX, true);
        expect(whole.size).toBe(streamed.size);
        expect(whole.sha256).toBe(streamed.sha256);
        expect(sameBytes(whole.head, streamed.head)).toBe(true);
        expect(whole.utf8).toBe(streamed.utf8);
        expect(whole.histogram?.entropy()).toBe(streamed.histogram?.entropy());
      }),
      { numRuns: 300 },
    );
  });

  it('keeps only the first 64 KiB as the head, and measures entropy only when asked', () => {
    const data = randomBytes(70 * 1024);
    const whole = inspectWhole(data, MAX);
    expect(sameBytes(whole.head, data.subarray(0, 64 * 1024))).toBe(true);
    expect(whole.histogram).toBeNull();
  });

  it('refuses content over the limit with TOO_LARGE, and accepts exactly the limit', () => {
    expect(inspectWhole(randomBytes(100), 100).size).toBe(100);
    const error = (() => {
      try {
        inspectWhole(randomBytes(101), 100);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('TOO_LARGE');
  });
});
