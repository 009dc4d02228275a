// The at-rest stream format (docs/formats.md): a 16-byte header, then AES-256-GCM chunks of
// CHUNK plaintext bytes. Chunk i uses nonce = prefix(7) || u32be(i) || final(1), and associated data
// header || item id. So: reordering or dropping chunks fails (index in the nonce), truncation at a
// chunk boundary fails (the final flag), and swapping two items' blobs fails (the id in the AAD).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { ChunkedSealStream } from './chunked-seal-stream.js';

export const MAGIC = Buffer.from('SBAR', 'ascii');
export const FORMAT_VERSION = 1;
export const HEADER_LENGTH = 16;
export const TAG_LENGTH = 16;
export const DEFAULT_CHUNK_LOG2 = 16; // 64 KiB: large enough that per-chunk overhead is noise, small enough to bound memory.

export interface StreamHeader {
  chunkSize: number;
  prefix: Buffer;
  raw: Buffer;
}

export function newHeader(chunkLog2 = DEFAULT_CHUNK_LOG2, prefix: Buffer = randomBytes(7)): StreamHeader {
  const raw = Buffer.alloc(HEADER_LENGTH);
  MAGIC.copy(raw, 0);
  raw[4] = FORMAT_VERSION;
  raw[5] = chunkLog2;
  prefix.copy(raw, 6);
  return { chunkSize: 2 ** chunkLog2, prefix: raw.subarray(6, 13), raw };
}

export function parseHeader(raw: Buffer): StreamHeader {
  if (raw.length < HEADER_LENGTH || !raw.subarray(0, 4).equals(MAGIC)) throw new FormatError('not a Sealbin at-rest stream');
  if (raw[4] !== FORMAT_VERSION) throw new FormatError(`unsupported at-rest format version ${raw[4]}`);
  const log2 = raw[5] ?? 0;
  if (log2 < 10 || log2 > 24 || raw[13] !== 0 || raw[14] !== 0 || raw[15] !== 0) throw new FormatError('malformed at-rest header');
  const copy = Buffer.from(raw.subarray(0, HEADER_LENGTH));
  return { chunkSize: 2 ** log2, prefix: copy.subarray(6, 13), raw: copy };
}

export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    message: string,
    readonly chunk?: number,
  ) {
    super(message);
  }
}

function nonce(prefix: Buffer, index: number, final: boolean): Buffer {
  const out = Buffer.alloc(12);
  prefix.copy(out, 0);
  out.writeUInt32BE(index, 7);
  out[11] = final ? 1 : 0;
  return out;
}

function aad(header: StreamHeader, itemId: string): Buffer {
  return Buffer.concat([header.raw, Buffer.from(itemId, 'utf8')]);
}

/** Ciphertext size of a plaintext of `plainSize` bytes, header included. */
export function encryptedSize(plainSize: number, chunkSize = 2 ** DEFAULT_CHUNK_LOG2): number {
  const chunks = Math.floor(plainSize / chunkSize) + 1;
  return HEADER_LENGTH + plainSize + chunks * TAG_LENGTH;
}

/** Index of the final chunk of a plaintext of `plainSize` bytes (the final chunk holds 0..chunkSize-1 bytes). */
export function finalChunkIndex(plainSize: number, chunkSize: number): number {
  return Math.floor(plainSize / chunkSize);
}

/** Byte offset of chunk `index` in the stored stream. */
export function chunkOffset(index: number, chunkSize: number): number {
  return HEADER_LENGTH + index * (chunkSize + TAG_LENGTH);
}

function sealChunk(key: Buffer, header: StreamHeader, ad: Buffer, index: number, final: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(header.prefix, index, final));
  cipher.setAAD(ad);
  const body = cipher.update(plain);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

function openChunk(key: Buffer, header: StreamHeader, ad: Buffer, index: number, final: boolean, sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(header.prefix, index, final));
  decipher.setAAD(ad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  try {
    const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
    decipher.final();
    return plain;
  } catch {
    throw new FormatError('chunk failed authentication', index);
  }
}

/**
 * Decrypts a whole stored stream held in memory (small items), without stream machinery. Same checks
 * as DecryptStream: every chunk authenticated, the exact length for `plainSize` required.
 */
export function decryptAll(key: Buffer, itemId: string, plainSize: number, data: Buffer): Buffer {
  const header = parseHeader(data);
  const expected = encryptedSize(plainSize, header.chunkSize);
  if (data.length < expected) throw new FormatError('stream ended early (truncated)', Math.max(0, Math.floor((data.length - HEADER_LENGTH) / (header.chunkSize + TAG_LENGTH))));
  if (data.length > expected) throw new FormatError('unexpected data after the last chunk', finalChunkIndex(plainSize, header.chunkSize) + 1);
  const ad = aad(header, itemId);
  const last = finalChunkIndex(plainSize, header.chunkSize);
  const out = Buffer.allocUnsafe(plainSize);
  for (let index = 0; index <= last; index++) {
    const start = chunkOffset(index, header.chunkSize);
    const end = index === last ? data.length : start + header.chunkSize + TAG_LENGTH;
    openChunk(key, header, ad, index, index === last, data.subarray(start, end)).copy(out, index * header.chunkSize);
  }
  return out;
}

/** Plaintext in, header + sealed chunks out. Memory stays at one chunk whatever the size. */
export class EncryptStream extends ChunkedSealStream {
  constructor(key: Buffer, itemId: string, header: StreamHeader = newHeader()) {
    const ad = aad(header, itemId);
    super(header.chunkSize, (index, final, plain) => sealChunk(key, header, ad, index, final, plain), header.raw);
  }
}

export interface DecryptOptions {
  key: Buffer;
  itemId: string;
  /** Plaintext size from the metadata: tells which chunk is final, so truncation is caught. */
  plainSize: number;
  /** The parsed header when the input starts at a chunk (range reads); absent: the input starts with the header. */
  header?: StreamHeader;
  /** Index of the first chunk in the input (range reads). */
  firstChunk?: number;
  /** Index of the last chunk in the input (range reads); default: the final chunk. */
  lastChunk?: number;
}

/** Sealed chunks in, plaintext out; errors with FormatError (carrying the chunk index) on any tampering. */
export class DecryptStream extends Transform {
  private header: StreamHeader | undefined;
  private ad: Buffer | undefined;
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private index: number;
  private finalIndex = -1;

  constructor(private readonly options: DecryptOptions) {
    super();
    this.index = options.firstChunk ?? 0;
    if (options.header) this.setHeader(options.header);
  }

  private setHeader(header: StreamHeader): void {
    this.header = header;
    this.ad = aad(header, this.options.itemId);
    this.finalIndex = finalChunkIndex(this.options.plainSize, header.chunkSize);
  }

  private open(sealed: Buffer): Buffer {
    if (this.index > this.finalIndex) throw new FormatError('data after the final chunk', this.index);
    const plain = openChunk(this.options.key, this.header as StreamHeader, this.ad as Buffer, this.index, this.index === this.finalIndex, sealed);
    this.index++;
    return plain;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
      let all = Buffer.concat(this.buffered, this.bufferedLength);
      if (!this.header) {
        if (all.length < HEADER_LENGTH) {
          this.buffered = [all];
          return callback();
        }
        this.setHeader(parseHeader(all));
        all = all.subarray(HEADER_LENGTH);
      }
      const sealedSize = (this.header as StreamHeader).chunkSize + TAG_LENGTH;
      // A full-size sealed chunk is never the final one (the final holds fewer than chunkSize bytes).
      while (all.length >= sealedSize && this.index < this.finalIndex) {
        if (this.options.lastChunk !== undefined && this.index > this.options.lastChunk) throw new FormatError('unexpected data after the last chunk', this.index);
        this.push(this.open(all.subarray(0, sealedSize)));
        all = all.subarray(sealedSize);
      }
      this.buffered = all.length > 0 ? [all] : [];
      this.bufferedLength = all.length;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.header) throw new FormatError('stream ended inside the header', 0);
      const rest = Buffer.concat(this.buffered, this.bufferedLength);
      const last = this.options.lastChunk ?? this.finalIndex;
      if (this.index <= last) {
        // Whatever is left must be exactly the final chunk; anything else is truncation.
        if (this.index !== this.finalIndex || rest.length < TAG_LENGTH) throw new FormatError('stream ended early (truncated)', this.index);
        this.push(this.open(rest));
      } else if (rest.length > 0) {
        throw new FormatError('unexpected data after the last chunk', this.index);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}
