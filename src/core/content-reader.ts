// Reading content back: unwrap the item key once, decrypt chunk by chunk, and check the recorded
// SHA-256. Small items are verified completely before the first byte is sent; large ones stream
// and fail loudly (stream error -> aborted response) if a later chunk or the final hash is wrong;
// their last chunk is held back until the hash is checked, so a failure never looks complete.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream';
import { unwrapKeyAny } from '../crypto/key-wrap.js';
import { chunkOffset, decryptAll, DecryptStream, FormatError, HEADER_LENGTH, parseHeader } from '../crypto/at-rest-format.js';
import type { BlobStore, ByteRange, ItemRecord } from '../storage/ports.js';
import { IntegrityError } from './errors.js';

const KEY_CACHE_SIZE = 4096;

/** Items up to this size are decrypted and verified in memory before any byte is sent. */
export const VERIFY_BEFORE_SEND_LIMIT = 1024 * 1024;

function integrityFailure(item: ItemRecord, detail: string, actual: string | null = null): IntegrityError {
  return new IntegrityError({ expected: item.sha256, actual, detail });
}

function asIntegrityError(item: ItemRecord, error: unknown): unknown {
  if (error instanceof IntegrityError) return error;
  if (error instanceof FormatError) return integrityFailure(item, error.chunk === undefined ? error.message : `chunk ${error.chunk}: ${error.message}`);
  if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') return integrityFailure(item, 'stored content is missing');
  return error;
}

/**
 * Hashes the plaintext and holds back the last chunk until the hash is checked: a mismatch found
 * after the last byte would otherwise reach the client as a complete 200 of the declared length.
 */
class VerifyStream extends Transform {
  private readonly hash = createHash('sha256');
  private seen = 0;
  private held: Buffer | null = null;
  constructor(private readonly item: ItemRecord) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) return callback();
    this.hash.update(chunk);
    this.seen += chunk.length;
    const previous = this.held;
    this.held = chunk;
    callback(null, previous ?? undefined);
  }
  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    // Silent corruption: the held-back tail goes out only after the digest matched, so a mismatch
    // always ends the response short of its Content-Length (an abort, never a complete body).
    if (actual !== this.item.sha256 || this.seen !== this.item.size) return callback(integrityFailure(this.item, 'SHA-256 of the content differs from the one recorded at upload', actual));
    callback(null, this.held ?? undefined);
  }
}

/** Drops `skip` leading bytes and passes at most `take` bytes (range reads inside a chunk span). */
class SliceStream extends Transform {
  private skip: number;
  private remaining: number;
  constructor(skip: number, take: number) {
    super();
    this.skip = skip;
    this.remaining = take;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let data = chunk;
    if (this.skip > 0) {
      const dropped = Math.min(this.skip, data.length);
      data = data.subarray(dropped);
      this.skip -= dropped;
    }
    if (this.remaining <= 0 || data.length === 0) return callback();
    const kept = data.subarray(0, this.remaining);
    this.remaining -= kept.length;
    callback(null, kept);
  }
}

export class ContentReader {
  constructor(
    private readonly blobs: BlobStore,
    /** The wrap key, or the current one followed by previous ones (master key rotation). */
    wrapKeys: Buffer | readonly Buffer[],
  ) {
    this.wrapKeys = Buffer.isBuffer(wrapKeys) ? [wrapKeys] : wrapKeys;
  }

  private readonly wrapKeys: readonly Buffer[];

  /**
   * Unwrapped item keys of recently read items, keyed by item id and checked against the wrapped key
   * (a PUT re-keys an item). The wrap key that opens them all is in memory anyway, so keeping a few
   * thousand of them saves an AES-GCM operation per read without exposing anything new.
   */
  private readonly keys = new Map<string, { wrapped: Buffer; key: Buffer }>();

  private itemKey(item: ItemRecord): Buffer {
    const cached = this.keys.get(item.id);
    if (cached && cached.wrapped.equals(item.wrappedKey)) return cached.key;
    let key: Buffer;
    try {
      key = unwrapKeyAny(this.wrapKeys, item.wrappedKey, item.id);
    } catch {
      throw integrityFailure(item, 'the item key does not unwrap (altered row or different master key)');
    }
    if (this.keys.size >= KEY_CACHE_SIZE) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(item.id, { wrapped: Buffer.from(item.wrappedKey), key });
    return key;
  }

  /** Forgets the key of a removed item. */
  forget(id: string): void {
    this.keys.get(id)?.key.fill(0);
    this.keys.delete(id);
  }

  private async ciphertext(item: ItemRecord, range?: ByteRange): Promise<Readable> {
    if (item.inline) {
      const data = range ? item.inline.subarray(range.start, range.end + 1) : item.inline;
      return Readable.from([data], { objectMode: false });
    }
    if (!item.blobId) throw integrityFailure(item, 'the item has no stored content');
    return this.blobs.read(item.blobId, range);
  }

  /** Whole content in memory, verified. For items up to VERIFY_BEFORE_SEND_LIMIT. */
  async readWhole(item: ItemRecord): Promise<Buffer> {
    try {
      const key = this.itemKey(item);
      let stored = item.inline;
      if (!stored) {
        const parts: Buffer[] = [];
        for await (const part of await this.ciphertext(item)) parts.push(part as Buffer);
        stored = Buffer.concat(parts);
      }
      // Small items: one synchronous pass, no stream machinery per request.
      const content = decryptAll(key, item.id, item.size, stored);
      const actual = createHash('sha256').update(content).digest('hex');
      if (actual !== item.sha256 || content.length !== item.size) throw integrityFailure(item, 'SHA-256 of the content differs from the one recorded at upload', actual);
      return content;
    } catch (error) {
      throw asIntegrityError(item, error);
    }
  }

  /**
   * A verified plaintext stream of the whole item, or of an inclusive byte range (chunks are
   * authenticated individually; the whole-content hash applies to whole reads, a range covering the
   * whole item included). The first chunk is decrypted before this resolves, so a corrupt start is
   * reported as a JSON error.
   */
  async stream(item: ItemRecord, range?: ByteRange): Promise<Readable> {
    try {
      const key = this.itemKey(item);
      let output: Readable;
      // Verification bypass: a range that covers the whole item (bytes=0-) is a whole read, and checked as one.
      if (!range || (range.start === 0 && range.end >= item.size - 1)) {
        const source = await this.ciphertext(item);
        output = pipeline(source, new DecryptStream({ key, itemId: item.id, plainSize: item.size }), new VerifyStream(item), () => undefined);
      } else {
        const header = parseHeader(await this.readHeader(item));
        const first = Math.floor(range.start / header.chunkSize);
        const last = Math.floor(range.end / header.chunkSize);
        const cipherRange = { start: chunkOffset(first, header.chunkSize), end: chunkOffset(last + 1, header.chunkSize) - 1 };
        const source = await this.ciphertext(item, cipherRange);
        const decrypt = new DecryptStream({ key, itemId: item.id, plainSize: item.size, header, firstChunk: first, lastChunk: last });
        const slice = new SliceStream(range.start - first * header.chunkSize, range.end - range.start + 1);
        output = pipeline(source, decrypt, slice, () => undefined);
      }
      return await primed(output, (error) => asIntegrityError(item, error));
    } catch (error) {
      throw asIntegrityError(item, error);
    }
  }

  private async readHeader(item: ItemRecord): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of await this.ciphertext(item, { start: 0, end: HEADER_LENGTH - 1 })) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }
}

/** Waits for the first chunk (or the error) of `stream`, then hands back a stream with everything. */
async function primed(stream: Readable, mapError: (error: unknown) => unknown): Promise<Readable> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw mapError(error);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (!first.done) yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } catch (error) {
      throw mapError(error);
    } finally {
      await iterator.return?.();
    }
  }
  return Readable.from(rest(), { objectMode: false });
}
