// Streaming end-to-end encryption with WebCrypto (browsers, and Node's globalThis.crypto.subtle in
// tests): the web page's side of the format in e2e-format.ts, which it only drives, so the CLI and
// the page share one implementation of headers, nonces, records and chunk layout.
//
// Memory: decryption reads a ReadableStream and holds about one chunk (64 KiB) of ciphertext at a
// time; encryption reads the input Blob/File one chunk-sized slice at a time. Both collect their
// output in Blob parts, folded into one Blob every few MiB, so the browser may keep it on disk.
// Pure: no Node modules and no DOM, only what both worlds have (Blob, TextEncoder, crypto).
import {
  E2E_DEFAULT_CHUNK_LOG2,
  E2E_HEADER_LENGTH,
  E2E_KEY_LENGTH,
  E2E_MAGIC,
  E2E_PREFIX_LENGTH,
  E2E_TAG_LENGTH,
  E2eFormatError,
  encodeHeader,
  encodeMetadata,
  encryptedLength,
  importKey,
  openChunk,
  parseHeader,
  parseMetadata,
  sealChunk,
  sealedChunkSize,
} from './e2e-format.js';
import type { AesGcmSubtle, E2eHeader, E2eMetadata } from './e2e-format.js';

/** The reader side of a ReadableStream<Uint8Array> (a fetch Response body). */
export interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

export interface ByteStream {
  getReader(): ByteReader;
}

/** A Blob or File: only `size` and `slice` are used, so the content is never read whole. */
export interface SliceableBlob {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Blobs are folded together at this size: the JS heap holds at most this much of the output. */
const FOLD_BYTES = 8 * 1024 * 1024;

/** Output collected in Blob parts; `blob()` gives one Blob of them all. */
export class BlobCollector {
  private folded: Blob | null = null;
  private parts: Uint8Array[] = [];
  private pending = 0;
  length = 0;

  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.pending += bytes.length;
    this.length += bytes.length;
    if (this.pending >= FOLD_BYTES) this.fold();
  }

  private fold(): void {
    const parts = (this.folded ? [this.folded, ...this.parts] : this.parts) as ConstructorParameters<typeof Blob>[0];
    this.folded = new Blob(parts);
    this.parts = [];
    this.pending = 0;
  }

  /** Everything added so far; `type` is the Blob's type (blob: URLs are served with it). */
  blob(type = 'application/octet-stream'): Blob {
    const parts = (this.folded ? [this.folded, ...this.parts] : this.parts) as ConstructorParameters<typeof Blob>[0];
    return new Blob(parts, { type });
  }
}

/** A fresh random item key (32 bytes); never derived, never reused. */
export function newKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(E2E_KEY_LENGTH));
}

/** Ciphertext size of `contentSize` bytes with this metadata: what the server stores and limits. */
export function encryptedSize(contentSize: number, metadata: E2eMetadata = {}, chunkLog2 = E2E_DEFAULT_CHUNK_LOG2): number {
  return encryptedLength(encodeMetadata(metadata).length + contentSize, 2 ** chunkLog2);
}

export interface EncryptBlobOptions {
  metadata?: E2eMetadata;
  chunkLog2?: number;
  /** Fixed nonce prefix (test vectors only); normally 7 fresh random bytes. */
  prefix?: Uint8Array;
  /** Called after each chunk with the content bytes encrypted so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Encrypts a Blob or File: header, then chunk i sealed over plaintext bytes [i·C, (i+1)·C) of
 * record ‖ content, each slice read from the Blob only when its chunk is sealed.
 */
export async function encryptBlob(subtle: AesGcmSubtle, keyBytes: Uint8Array, content: SliceableBlob, options: EncryptBlobOptions = {}): Promise<Blob> {
  // Nonce reuse under one key: every stream gets a fresh random prefix.
  const header = encodeHeader(options.prefix ?? globalThis.crypto.getRandomValues(new Uint8Array(E2E_PREFIX_LENGTH)), options.chunkLog2 ?? E2E_DEFAULT_CHUNK_LOG2);
  const key = await importKey(subtle, keyBytes);
  const record = encodeMetadata(options.metadata ?? {});
  const total = record.length + content.size;
  const size = header.chunkSize;
  const finalIndex = Math.floor(total / size);
  const out = new BlobCollector();
  out.add(header.raw);
  for (let i = 0; i <= finalIndex; i++) {
    const plain = await plainRange(record, content, i * size, Math.min((i + 1) * size, total));
    out.add(await sealChunk(subtle, key, header, i, i === finalIndex, plain));
    options.onProgress?.(Math.max(0, Math.min((i + 1) * size, total) - record.length), content.size);
  }
  return out.blob();
}

/** Bytes [from, to) of record ‖ content, reading only that slice of the content. */
async function plainRange(record: Uint8Array, content: SliceableBlob, from: number, to: number): Promise<Uint8Array> {
  const out = new Uint8Array(to - from);
  let at = 0;
  if (from < record.length) {
    const head = record.subarray(from, Math.min(to, record.length));
    out.set(head, 0);
    at = head.length;
  }
  const start = Math.max(from, record.length) - record.length;
  const end = to - record.length;
  if (end > start) {
    const slice = new Uint8Array(await content.slice(start, end).arrayBuffer());
    // A File that changed on disk while being read would otherwise leave zeros in the chunk.
    if (slice.length !== end - start) throw new Error('the file changed while it was being read');
    out.set(slice, at);
  }
  return out;
}

export interface DecryptOptions {
  /** The decrypted metadata record, before any content. */
  onMetadata?: (metadata: E2eMetadata) => void;
  /** Ciphertext bytes read so far. */
  onProgress?: (received: number) => void;
}

/** Bytes received but not yet used, without copying on every read. */
class Pending {
  private parts: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  /** Removes and returns the first `n` bytes (n ≤ length). */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const first = this.parts[0] as Uint8Array;
      const used = Math.min(first.length, n - at);
      out.set(first.subarray(0, used), at);
      at += used;
      if (used === first.length) this.parts.shift();
      else this.parts[0] = first.subarray(used);
    }
    this.length -= n;
    return out;
  }
}

function headerFault(bytes: Uint8Array): E2eFormatError {
  if (bytes.length === 0) return new E2eFormatError('truncated', 'the encrypted content is empty');
  const startsLikeMagic = E2E_MAGIC.subarray(0, Math.min(bytes.length, 4)).every((byte, i) => bytes[i] === byte);
  return startsLikeMagic ? new E2eFormatError('truncated', 'the encrypted content ended early (truncated)', 0) : new E2eFormatError('not-e2e', 'not an end-to-end encrypted Sealbin stream');
}

/**
 * Decrypts a stream of ciphertext, handing content to `onContent` chunk by chunk (the metadata record
 * taken off the front first). A sealed chunk followed by more bytes is never final; whatever is left at
 * the end must open as the final chunk, so truncation and appended bytes fail. Errors are
 * E2eFormatError; a wrong key fails on chunk 0, before any content is handed over.
 */
export async function decryptStream(subtle: AesGcmSubtle, keyBytes: Uint8Array, source: ByteStream, onContent: (bytes: Uint8Array) => void | Promise<void>, options: DecryptOptions = {}): Promise<{ metadata: E2eMetadata; contentLength: number }> {
  const key = await importKey(subtle, keyBytes);
  const reader = source.getReader();
  const pending = new Pending();
  let received = 0;
  let ended = false;
  let header: E2eHeader | null = null;
  let index = 0;
  let record: Uint8Array | null = new Uint8Array(0);
  let metadata: E2eMetadata | undefined;
  let contentLength = 0;

  const deliver = async (plain: Uint8Array): Promise<void> => {
    let rest = plain;
    if (record !== null) {
      const joined: Uint8Array = new Uint8Array(record.length + plain.length);
      joined.set(record, 0);
      joined.set(plain, record.length);
      const parsed = parseMetadata(joined);
      if (!parsed) {
        record = joined;
        return;
      }
      record = null;
      metadata = parsed.metadata;
      options.onMetadata?.(metadata);
      rest = joined.subarray(parsed.length);
    }
    if (rest.length > 0) {
      contentLength += rest.length;
      await onContent(rest);
    }
  };

  try {
    for (;;) {
      if (!ended) {
        const { done, value } = await reader.read();
        if (done) ended = true;
        else if (value) {
          pending.push(value);
          received += value.length;
          options.onProgress?.(received);
        }
      }
      if (header === null) {
        if (pending.length >= E2E_HEADER_LENGTH) header = parseHeader(pending.take(E2E_HEADER_LENGTH));
        else if (ended) throw headerFault(pending.take(pending.length));
        else continue;
      }
      const sealed = sealedChunkSize(header.chunkSize);
      // Only a chunk with more bytes after it is known not to be the final one.
      while (pending.length > sealed) await deliver(await openChunk(subtle, key, header, index++, false, pending.take(sealed)));
      if (!ended) continue;
      // A final chunk holds at most C-1 bytes: a full-size or tag-less remainder means chunks are missing.
      if (pending.length < E2E_TAG_LENGTH || pending.length === sealed) throw new E2eFormatError('truncated', 'the encrypted content ended early (truncated)', index);
      await deliver(await openChunk(subtle, key, header, index, true, pending.take(pending.length)));
      break;
    }
  } catch (error) {
    // Stop the download: nothing more of a stream that failed is wanted.
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  if (metadata === undefined) throw new E2eFormatError('metadata', 'the stream ended inside the metadata record');
  return { metadata, contentLength };
}

/** decryptStream into a Blob (of type application/octet-stream: never rendered by its claimed type). */
export async function decryptToBlob(subtle: AesGcmSubtle, keyBytes: Uint8Array, source: ByteStream, options: DecryptOptions = {}): Promise<{ metadata: E2eMetadata; blob: Blob }> {
  const out = new BlobCollector();
  const { metadata } = await decryptStream(subtle, keyBytes, source, (bytes) => out.add(bytes), options);
  return { metadata, blob: out.blob() };
}

/** A plain (not end-to-end encrypted) stream into a Blob, with the same progress reports. */
export async function collectToBlob(source: ByteStream, onProgress?: (received: number) => void): Promise<Blob> {
  const reader = source.getReader();
  const out = new BlobCollector();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value) {
        out.add(value);
        onProgress?.(out.length);
      }
    }
  } finally {
    reader.releaseLock();
  }
  return out.blob();
}
