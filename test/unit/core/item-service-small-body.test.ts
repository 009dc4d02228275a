// ItemService's in-memory path for small bodies of known size (issue 16: durable creates): it must
// store what the streamed path stores, decide the type the same way, and hold no more than it was
// told to expect.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SMALL_BODY } from '../../../src/core/item-service.js';
import type { CreateInput, UploadFacts } from '../../../src/core/item-service.js';
import { AppError } from '../../../src/core/errors.js';
import { decryptAll } from '../../../src/crypto/at-rest-format.js';
import { unwrapKey } from '../../../src/crypto/key-wrap.js';
import { deriveKeyring } from '../../../src/crypto/keyring.js';
import type { ItemRecord, MetadataStore } from '../../../src/storage/ports.js';
import { testItemService } from '../../helpers/item-service.js';
import { MemoryBlobStore } from '../../helpers/memory-blob-store.js';

function recordingStore() {
  const rows: ItemRecord[] = [];
  const store = { insertItem: async (item: ItemRecord) => void rows.push(item), hasBlob: async () => false };
  return { rows, metadata: store as unknown as MetadataStore };
}

const input = (body: Readable, bodySize: number | null, facts?: UploadFacts[]): CreateInput => ({
  body,
  bodySize,
  claimedType: null,
  filename: null,
  expiry: undefined,
  burnAfterRead: false,
  kind: 'paste',
  owner: null,
  clientGroup: '203.0.113.7',
  beforeCommit: async (seen) => void facts?.push(seen),
});

/** Creates `content` once with its size known (in memory) and once without (streamed, cut in three). */
async function bothPaths(content: Buffer, options: { measureEntropy?: boolean } = {}) {
  const keyring = deriveKeyring(randomBytes(32));
  const { rows, metadata } = recordingStore();
  const blobs = new MemoryBlobStore();
  const facts: UploadFacts[] = [];
  const items = testItemService(metadata, blobs, { keyring, detectMagic: async (head) => (head.subarray(0, 4).toString() === '%PDF' ? 'application/pdf' : null), ...options });
  await items.create(input(Readable.from([content]), content.length, facts));
  const third = Math.floor(content.length / 3);
  const streamed = new Readable({
    read() {
      this.push(content.subarray(0, third));
      this.push(content.subarray(third, 2 * third));
      this.push(content.subarray(2 * third));
      this.push(null);
    },
  });
  await items.create(input(streamed, null, facts));
  const [small, large] = rows as [ItemRecord, ItemRecord];
  const plain = (row: ItemRecord) => decryptAll(unwrapKey(keyring.wrapKey, row.wrappedKey, row.id), row.id, row.size, row.inline ?? (blobs.blobs.get(row.blobId as string) as Buffer));
  return { small, large, plain, facts };
}

describe('ItemService.create: a small body of known size is read whole', () => {
  it('stores the same facts as the streamed path (size, SHA-256, type), content that decrypts to the original', async () => {
    for (const content of [Buffer.from('hello, small world\n'), Buffer.from('%PDF-1.7 binary\0tail'), randomBytes(1000), Buffer.from('é'.repeat(500))]) {
      const { small, large, plain } = await bothPaths(content);
      expect({ size: small.size, sha256: small.sha256, mimeType: small.mimeType, inline: small.inline !== null }).toEqual({ size: large.size, sha256: large.sha256, mimeType: large.mimeType, inline: large.inline !== null });
      expect(plain(small).equals(content)).toBe(true);
      expect(plain(large).equals(content)).toBe(true);
    }
  });

  it('spills to a blob exactly as the streamed path does at the size limit of the in-memory path', async () => {
    const content = randomBytes(SMALL_BODY);
    const { small, large, plain } = await bothPaths(content);
    // 64 KiB of plaintext seals to a little more than the inline limit: both store a blob.
    expect(small.blobId).not.toBeNull();
    expect(large.blobId).not.toBeNull();
    expect(plain(small).equals(content)).toBe(true);
  });

  it('refuses a body longer than it declared, before holding more, and stores nothing', async () => {
    const { rows, metadata } = recordingStore();
    const blobs = new MemoryBlobStore();
    const items = testItemService(metadata, blobs);
    const body = Readable.from([Buffer.alloc(100, 1), Buffer.alloc(100, 2), Buffer.alloc(10_000, 3)]);
    const error = await items.create(input(body, 150)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_REQUEST');
    expect(body.destroyed).toBe(true);
    expect(rows).toHaveLength(0);
    expect(blobs.blobs.size).toBe(0);
  });

  it('refuses content over the size limit with TOO_LARGE, and an empty body with EMPTY', async () => {
    const { metadata } = recordingStore();
    const items = testItemService(metadata, new MemoryBlobStore(), { limits: { maxSize: 1000, defaultExpiry: 3600, maxExpiry: 86400 } });
    await expect(items.create(input(Readable.from([randomBytes(1001)]), 1001))).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(items.create(input(Readable.from([]), 0))).rejects.toMatchObject({ code: 'EMPTY' });
  });

  it('passes a body error on (a client that hung up), and stores nothing', async () => {
    const { rows, metadata } = recordingStore();
    const items = testItemService(metadata, new MemoryBlobStore());
    const body = new Readable({
      read() {
        this.push(Buffer.from('half a paste'));
        this.destroy(new AppError('INVALID_REQUEST', 'The upload was aborted before it completed.'));
      },
    });
    await expect(items.create(input(body, 1000))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(rows).toHaveLength(0);
  });

  it('tells the pre-commit checks what the streamed path tells them, entropy included when a policy needs it', async () => {
    for (const measureEntropy of [false, true]) {
      const { facts } = await bothPaths(Buffer.concat([randomBytes(3000), Buffer.alloc(1000, 65)]), { measureEntropy });
      expect(facts).toHaveLength(2);
      expect(facts[0]).toEqual(facts[1]);
      expect(facts[0]?.entropy === null).toBe(!measureEntropy);
    }
  });
});
