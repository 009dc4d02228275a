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
});
