// decryptAll (the in-memory path for small items) makes the same checks as the stream decryptor.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decryptAll, EncryptStream, FormatError, newHeader } from '../../../src/crypto/at-rest-format.js';

const key = randomBytes(32);
const id = 'a'.repeat(32);

async function encrypt(plain: Buffer, chunkLog2 = 10): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of Readable.from([plain]).pipe(new EncryptStream(key, id, newHeader(chunkLog2)))) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('decryptAll', () => {
  it.each([0, 1, 1023, 1024, 1025, 5000])('round-trips %i bytes', async (size) => {
    const plain = randomBytes(size);
    expect(decryptAll(key, id, size, await encrypt(plain)).equals(plain)).toBe(true);
  });

  it('refuses a flipped byte, a truncation, appended data, another id and another key', async () => {
    const plain = randomBytes(3000);
    const sealed = await encrypt(plain);
    const flipped = Buffer.from(sealed);
    flipped[2000] = (flipped[2000] as number) ^ 1;
    expect(() => decryptAll(key, id, 3000, flipped)).toThrow(FormatError);
    expect(() => decryptAll(key, id, 3000, sealed.subarray(0, 16 + 1040))).toThrow(/truncated/);
    expect(() => decryptAll(key, id, 3000, Buffer.concat([sealed, Buffer.alloc(16)]))).toThrow(/after the last chunk/);
    expect(() => decryptAll(key, 'b'.repeat(32), 3000, sealed)).toThrow(FormatError);
    expect(() => decryptAll(randomBytes(32), id, 3000, sealed)).toThrow(FormatError);
    // A recorded size that does not fit the stored stream is a mismatch, not a short read.
    expect(() => decryptAll(key, id, 2999, sealed)).toThrow(FormatError);
  });

  it('makes the same refusals for a one-chunk item (its own path, without a copy)', async () => {
    const plain = randomBytes(500);
    const sealed = await encrypt(plain);
    const flipped = Buffer.from(sealed);
    flipped[300] = (flipped[300] as number) ^ 1;
    expect(() => decryptAll(key, id, 500, flipped)).toThrow(FormatError);
    const header = Buffer.from(sealed);
    header[8] = (header[8] as number) ^ 1;
    expect(() => decryptAll(key, id, 500, header)).toThrow(FormatError);
    expect(() => decryptAll(key, id, 500, sealed.subarray(0, sealed.length - 1))).toThrow(/truncated/);
    expect(() => decryptAll(key, id, 500, Buffer.concat([sealed, Buffer.alloc(1)]))).toThrow(/after the last chunk/);
    expect(() => decryptAll(key, 'b'.repeat(32), 500, sealed)).toThrow(FormatError);
    expect(() => decryptAll(key, id, 499, sealed)).toThrow(FormatError);
  });

  it('hands back plaintext that shares no memory with the stored bytes (cached rows stay intact)', async () => {
    const plain = randomBytes(500);
    const sealed = await encrypt(plain);
    const kept = Buffer.from(sealed);
    const out = decryptAll(key, id, 500, sealed);
    out.fill(0);
    expect(sealed.equals(kept)).toBe(true);
    expect(decryptAll(key, id, 500, sealed).equals(plain)).toBe(true);
  });
});
