// Node streams over the end-to-end format of e2e-format.ts, using node:crypto's AES-256-GCM (much
// faster than WebCrypto's promise per chunk). Memory stays at about one chunk whatever the size, so a
// 2 GiB file streams through in flat memory. Shared by fpaste; no server code may be imported here.
import { randomBytes } from 'node:crypto';
import { gcmOpen, gcmSealParts } from './aes-gcm.js';
import type { TransformCallback } from 'node:stream';
import { ChunkedOpenStream } from './chunked-open-stream.js';
import type { FramingFault } from './chunked-open-stream.js';
import { ChunkedSealStream } from './chunked-seal-stream.js';
import {
  authMessage,
  chunkNonce,
  E2E_DEFAULT_CHUNK_LOG2,
  E2E_HEADER_LENGTH,
  E2E_KEY_LENGTH,
  E2E_PREFIX_LENGTH,
  E2E_TAG_LENGTH,
  E2eFormatError,
  encodeHeader,
  encodeMetadata,
  encryptedLength,
  parseHeader,
  parseMetadata,
} from './e2e-format.js';
import type { E2eHeader, E2eMetadata } from './e2e-format.js';

/** A fresh random item key: never derived, never reused across items. */
export function newE2eKey(): Buffer {
  return randomBytes(E2E_KEY_LENGTH);
}

export interface EncryptOptions {
  metadata?: E2eMetadata;
  chunkLog2?: number;
  /**
   * Fixed nonce prefix; normally 7 fresh random bytes. Fixed only where the same plaintext must give
   * the same ciphertext again: test vectors, and an upload that resumes (never for new plaintext).
   */
  prefix?: Uint8Array;
  /**
   * Seal from this chunk on (e2e-resume.ts): the output starts with that chunk (no header unless 0)
   * and the input must be the content from e2eResumePoint(...).contentStart on.
   */
  fromChunk?: number;
}

/** Ciphertext length of `contentLength` bytes of content with this metadata (for Content-Length). */
export function e2eEncryptedLength(contentLength: number, metadata: E2eMetadata = {}, chunkLog2 = E2E_DEFAULT_CHUNK_LOG2): number {
  return encryptedLength(encodeMetadata(metadata).length + contentLength, 2 ** chunkLog2);
}

function seal(key: Buffer, header: E2eHeader, index: number, final: boolean, plain: readonly Buffer[]): Buffer[] {
  return gcmSealParts(key, chunkNonce(header.prefix, index, final), header.raw, plain);
}

/** Content in; header, then sealed chunks out (the metadata record is the start of the plaintext). */
export class E2eEncryptStream extends ChunkedSealStream {
  constructor(key: Buffer, options: EncryptOptions = {}) {
    if (key.length !== E2E_KEY_LENGTH) throw new E2eFormatError('key', 'a key is 32 bytes');
    // Nonce reuse under one key (e.g. an update re-encrypted with the item's key): a fresh prefix per stream.
    const header = encodeHeader(options.prefix ?? randomBytes(E2E_PREFIX_LENGTH), options.chunkLog2 ?? E2E_DEFAULT_CHUNK_LOG2);
    const from = options.fromChunk ?? 0;
    if (!Number.isInteger(from) || from < 0) throw new RangeError('fromChunk must be a chunk index');
    const record = Buffer.from(encodeMetadata(options.metadata ?? {}));
    // Resuming at chunk i: what remains of the record (if it is longer than i chunks) leads the content.
    const leading = record.subarray(Math.min(from * header.chunkSize, record.length));
    super(header.chunkSize, (index, final, plain) => seal(key, header, index, final, plain), from === 0 ? Buffer.from(header.raw) : Buffer.alloc(0), leading, from);
  }
}

function checkedKey(key: Buffer): Buffer {
  if (key.length !== E2E_KEY_LENGTH) throw new E2eFormatError('key', 'a key is 32 bytes');
  return key;
}

function open(key: Buffer, header: E2eHeader, index: number, final: boolean, sealed: Buffer): Buffer {
  const plain = gcmOpen(key, chunkNonce(header.prefix, index, final), header.raw, sealed);
  if (!plain) throw new E2eFormatError('auth', authMessage(index), index);
  return plain;
}

function fault(kind: FramingFault, index: number, buffered: number): E2eFormatError {
  if (kind === 'header') return buffered === 0 ? new E2eFormatError('truncated', 'the encrypted content is empty') : new E2eFormatError('not-e2e', 'not an end-to-end encrypted Sealbin stream');
  // No size is known up front, so extra bytes show up as a final chunk that is too long.
  return new E2eFormatError('truncated', 'the encrypted content ended early (truncated)', index);
}

/**
 * Ciphertext in; content out. The metadata record is taken off the front and reported through the
 * `metadata` event (and the `metadata` property) before the first content byte. Errors are
 * E2eFormatError: a wrong key fails on chunk 0, before any content is emitted.
 */
export class E2eDecryptStream extends ChunkedOpenStream<E2eHeader> {
  private record: Buffer | null = Buffer.alloc(0);
  metadata: E2eMetadata | undefined;

  constructor(key: Buffer) {
    const checked = checkedKey(key);
    super({ headerLength: E2E_HEADER_LENGTH, tagLength: E2E_TAG_LENGTH, parseHeader, open: (header, index, final, sealed) => open(checked, header, index, final, sealed), fault });
  }

  /** Plaintext of the stream: the metadata record first, then content to pass on. */
  protected override deliver(plain: Buffer): void {
    if (this.record === null) {
      if (plain.length > 0) this.push(plain);
      return;
    }
    this.record = Buffer.concat([this.record, plain]);
    const parsed = parseMetadata(this.record);
    if (!parsed) return;
    this.metadata = parsed.metadata;
    const rest = this.record.subarray(parsed.length);
    this.record = null;
    this.emit('metadata', this.metadata);
    if (rest.length > 0) this.push(rest);
  }

  override _flush(callback: TransformCallback): void {
    super._flush((error) => {
      if (!error && this.record !== null) return callback(new E2eFormatError('metadata', 'the stream ended inside the metadata record'));
      callback(error);
    });
  }
}
