// Node streams over the end-to-end format of e2e-format.ts, using node:crypto's AES-256-GCM (much
// faster than WebCrypto's promise per chunk). Memory stays at about one chunk whatever the size, so a
// 2 GiB file streams through in flat memory. Shared by fpaste; no server code may be imported here.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
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
  sealedChunkSize,
} from './e2e-format.js';
import type { E2eHeader, E2eMetadata } from './e2e-format.js';

/** A fresh random item key: never derived, never reused across items. */
export function newE2eKey(): Buffer {
  return randomBytes(E2E_KEY_LENGTH);
}

export interface EncryptOptions {
  metadata?: E2eMetadata;
  chunkLog2?: number;
  /** Fixed nonce prefix (test vectors only); normally 7 fresh random bytes. */
  prefix?: Uint8Array;
}

/** Ciphertext length of `contentLength` bytes of content with this metadata (for Content-Length). */
export function e2eEncryptedLength(contentLength: number, metadata: E2eMetadata = {}, chunkLog2 = E2E_DEFAULT_CHUNK_LOG2): number {
  return encryptedLength(encodeMetadata(metadata).length + contentLength, 2 ** chunkLog2);
}

function seal(key: Buffer, header: E2eHeader, index: number, final: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(header.prefix, index, final));
  cipher.setAAD(header.raw);
  const body = cipher.update(plain);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** Content in; header, then sealed chunks out (the metadata record is the start of the plaintext). */
export class E2eEncryptStream extends ChunkedSealStream {
  constructor(key: Buffer, options: EncryptOptions = {}) {
    if (key.length !== E2E_KEY_LENGTH) throw new E2eFormatError('key', 'a key is 32 bytes');
    // Nonce reuse under one key (e.g. an update re-encrypted with the item's key): a fresh prefix per stream.
    const header = encodeHeader(options.prefix ?? randomBytes(E2E_PREFIX_LENGTH), options.chunkLog2 ?? E2E_DEFAULT_CHUNK_LOG2);
    super(header.chunkSize, (index, final, plain) => seal(key, header, index, final, plain), Buffer.from(header.raw), Buffer.from(encodeMetadata(options.metadata ?? {})));
  }
}

/**
 * Ciphertext in; content out. The metadata record is taken off the front and reported through the
 * `metadata` event (and the `metadata` property) before the first content byte. Errors are
 * E2eFormatError: a wrong key fails on chunk 0, before any content is emitted.
 */
export class E2eDecryptStream extends Transform {
  private header: E2eHeader | undefined;
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private index = 0;
  private record: Buffer | null = Buffer.alloc(0);
  metadata: E2eMetadata | undefined;

  constructor(private readonly key: Buffer) {
    super();
    if (key.length !== E2E_KEY_LENGTH) throw new E2eFormatError('key', 'a key is 32 bytes');
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const header = this.header as E2eHeader;
    const decipher = createDecipheriv('aes-256-gcm', this.key, chunkNonce(header.prefix, this.index, final));
    decipher.setAAD(header.raw);
    decipher.setAuthTag(sealed.subarray(sealed.length - E2E_TAG_LENGTH));
    try {
      const plain = decipher.update(sealed.subarray(0, sealed.length - E2E_TAG_LENGTH));
      decipher.final();
      this.index++;
      return plain;
    } catch {
      throw new E2eFormatError('auth', authMessage(this.index), this.index);
    }
  }

  /** Plaintext of the stream: the metadata record first, then content to pass on. */
  private deliver(plain: Buffer): void {
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

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
      if (!this.header) {
        if (this.bufferedLength < E2E_HEADER_LENGTH) return callback();
        const all = Buffer.concat(this.buffered, this.bufferedLength);
        this.header = parseHeader(all);
        this.buffered = [all.subarray(E2E_HEADER_LENGTH)];
        this.bufferedLength = all.length - E2E_HEADER_LENGTH;
      }
      const sealed = sealedChunkSize(this.header.chunkSize);
      // Only when more than a full sealed chunk is buffered is the first one known not to be final.
      if (this.bufferedLength > sealed) {
        let all = Buffer.concat(this.buffered, this.bufferedLength);
        while (all.length > sealed) {
          this.deliver(this.open(all.subarray(0, sealed), false));
          all = all.subarray(sealed);
        }
        this.buffered = [Buffer.from(all)];
        this.bufferedLength = all.length;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.header) throw new E2eFormatError(this.bufferedLength === 0 ? 'truncated' : 'not-e2e', this.bufferedLength === 0 ? 'the encrypted content is empty' : 'not an end-to-end encrypted Sealbin stream');
      const rest = Buffer.concat(this.buffered, this.bufferedLength);
      // The final chunk holds fewer than C bytes; a full-size remainder means chunks were cut off.
      if (rest.length < E2E_TAG_LENGTH || rest.length >= sealedChunkSize(this.header.chunkSize)) throw new E2eFormatError('truncated', 'the encrypted content ended early (truncated)', this.index);
      this.deliver(this.open(rest, true));
      if (this.record !== null) throw new E2eFormatError('metadata', 'the stream ended inside the metadata record');
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}
