// The at-rest stream format (docs/formats.md): a 16-byte header, then AES-256-GCM chunks of
// CHUNK plaintext bytes. Chunk i uses nonce = prefix(7) || u32be(i) || final(1), and associated data
// header || item id. So: reordering or dropping chunks fails (index in the nonce), truncation at a
// chunk boundary fails (the final flag), and swapping two items' blobs fails (the id in the AAD).
import { randomBytesPooled } from './random-pool.js';
import { gcmOpen, gcmSealParts } from './aes-gcm.js';
import { ChunkedOpenStream } from './chunked-open-stream.js';
import type { FramingFault } from './chunked-open-stream.js';
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

export function newHeader(chunkLog2 = DEFAULT_CHUNK_LOG2, prefix: Buffer = randomBytesPooled(7)): StreamHeader {
  const raw = Buffer.alloc(HEADER_LENGTH);
  MAGIC.copy(raw, 0);
  raw[4] = FORMAT_VERSION;
  raw[5] = chunkLog2;
  prefix.copy(raw, 6);
  return { chunkSize: 2 ** chunkLog2, prefix: raw.subarray(6, 13), raw };
}

export function parseHeader(raw: Buffer): StreamHeader {
  return readHeader(raw, true);
}

/** `copy`: a stream's header must outlive the chunk it came in; a whole buffer in hand need not be copied. */
function readHeader(raw: Buffer, copy: boolean): StreamHeader {
  if (raw.length < HEADER_LENGTH || !raw.subarray(0, 4).equals(MAGIC)) throw new FormatError('not a Sealbin at-rest stream');
  if (raw[4] !== FORMAT_VERSION) throw new FormatError(`unsupported at-rest format version ${raw[4]}`);
  const log2 = raw[5] ?? 0;
  if (log2 < 10 || log2 > 24 || raw[13] !== 0 || raw[14] !== 0 || raw[15] !== 0) throw new FormatError('malformed at-rest header');
  const header = copy ? Buffer.from(raw.subarray(0, HEADER_LENGTH)) : raw.subarray(0, HEADER_LENGTH);
  return { chunkSize: 2 ** log2, prefix: header.subarray(6, 13), raw: header };
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
  // From Node's pool, not a zero-filled allocation of its own (one per chunk, every read): all 12
  // bytes are written below, so nothing of the pool's earlier contents survives.
  // A shorter prefix would leave pool bytes in the nonce.
  if (prefix.length !== 7) throw new FormatError('a nonce prefix is 7 bytes');
  const out = Buffer.allocUnsafe(12);
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

function sealChunk(key: Buffer, header: StreamHeader, ad: Buffer, index: number, final: boolean, plain: readonly Buffer[]): Buffer[] {
  return gcmSealParts(key, nonce(header.prefix, index, final), ad, plain);
}

function openChunk(key: Buffer, header: StreamHeader, ad: Buffer, index: number, final: boolean, sealed: Buffer): Buffer {
  const plain = gcmOpen(key, nonce(header.prefix, index, final), ad, sealed);
  if (!plain) throw new FormatError('chunk failed authentication', index);
  return plain;
}

/**
 * Decrypts a whole stored stream held in memory (small items), without stream machinery. Same checks
 * as DecryptStream: every chunk authenticated, the exact length for `plainSize` required.
 */
export function decryptAll(key: Buffer, itemId: string, plainSize: number, data: Buffer): Buffer {
  const header = readHeader(data, false);
  const expected = encryptedSize(plainSize, header.chunkSize);
  if (data.length < expected) throw new FormatError('stream ended early (truncated)', Math.max(0, Math.floor((data.length - HEADER_LENGTH) / (header.chunkSize + TAG_LENGTH))));
  if (data.length > expected) throw new FormatError('unexpected data after the last chunk', finalChunkIndex(plainSize, header.chunkSize) + 1);
  const ad = aad(header, itemId);
  const last = finalChunkIndex(plainSize, header.chunkSize);
  // One chunk (smaller than the chunk size, 64 KiB by default: most pastes): the decipher's own
  // output is the plaintext, no copy.
  if (last === 0) return openChunk(key, header, ad, 0, true, data.subarray(HEADER_LENGTH));
  const out = Buffer.allocUnsafe(plainSize);
  for (let index = 0; index <= last; index++) {
    const start = chunkOffset(index, header.chunkSize);
    const end = index === last ? data.length : start + header.chunkSize + TAG_LENGTH;
    openChunk(key, header, ad, index, index === last, data.subarray(start, end)).copy(out, index * header.chunkSize);
  }
  return out;
}

/**
 * Encrypts a whole plaintext held in memory (a small upload), without stream machinery: the same
 * bytes EncryptStream produces for the same header, every chunk but the last full, the last (0 to
 * chunkSize-1 bytes) sealed with the final flag.
 */
export function encryptAll(key: Buffer, itemId: string, plain: Buffer, header: StreamHeader = newHeader()): Buffer {
  const ad = aad(header, itemId);
  const last = finalChunkIndex(plain.length, header.chunkSize);
  const parts: Buffer[] = [header.raw];
  for (let index = 0; index <= last; index++) {
    const start = index * header.chunkSize;
    const piece = plain.subarray(start, index === last ? plain.length : start + header.chunkSize);
    parts.push(...sealChunk(key, header, ad, index, index === last, [piece]));
  }
  return Buffer.concat(parts);
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

const FAULTS: Record<FramingFault, string> = {
  header: 'stream ended inside the header',
  truncated: 'stream ended early (truncated)',
  trailing: 'unexpected data after the last chunk',
};

/** Sealed chunks in, plaintext out; errors with FormatError (carrying the chunk index) on any tampering. */
export class DecryptStream extends ChunkedOpenStream<StreamHeader> {
  constructor(options: DecryptOptions) {
    let cached: { header: StreamHeader; ad: Buffer } | undefined;
    const adFor = (header: StreamHeader): Buffer => {
      if (cached?.header !== header) cached = { header, ad: aad(header, options.itemId) };
      return cached.ad;
    };
    super({
      headerLength: HEADER_LENGTH,
      tagLength: TAG_LENGTH,
      parseHeader,
      open: (header, index, final, sealed) => openChunk(options.key, header, adFor(header), index, final, sealed),
      fault: (kind, index) => new FormatError(FAULTS[kind], index),
      // The size from the metadata names the final chunk, so a cut at a chunk boundary is caught.
      finalIndex: (header) => finalChunkIndex(options.plainSize, header.chunkSize),
      ...(options.header ? { header: options.header } : {}),
      ...(options.firstChunk !== undefined ? { firstIndex: options.firstChunk } : {}),
      ...(options.lastChunk !== undefined ? { lastIndex: options.lastChunk } : {}),
    });
  }
}
