// The end-to-end format (docs/formats.md, "End-to-end format"): what fpaste and the web page encrypt
// before anything leaves the user's machine. The server stores these bytes as opaque content and
// never sees the key, which travels only in the URL fragment (`#` + base64url of 32 bytes).
//
// Layout: a 16-byte header, then AES-256-GCM chunks of C = 2^n plaintext bytes; chunk i uses
// nonce = prefix(7) ‖ u32be(i) ‖ final(1) and the header as associated data (the STREAM
// construction, like the at-rest format but with its own magic). The plaintext is a metadata record
// (u32be length ‖ JSON, e.g. the file name) followed by the content, so names are encrypted too.
//
// This file is pure: Uint8Array in and out, no Node modules, no server code. Browsers use it with
// WebCrypto (sealChunk/openChunk below); Node uses e2e-stream.ts, which uses node:crypto for speed.

export const E2E_MAGIC = Uint8Array.of(0x53, 0x42, 0x45, 0x45); // "SBEE", not the at-rest "SBAR"
export const E2E_VERSION = 1;
export const E2E_HEADER_LENGTH = 16;
export const E2E_TAG_LENGTH = 16;
export const E2E_KEY_LENGTH = 32;
export const E2E_PREFIX_LENGTH = 7;
/** 64 KiB: per-chunk overhead (16 bytes, one GCM call) is noise, and memory stays at one chunk. */
export const E2E_DEFAULT_CHUNK_LOG2 = 16;
export const E2E_MIN_CHUNK_LOG2 = 10;
/** 16 MiB: a hostile header must not make a reader allocate gigabytes for one chunk. */
export const E2E_MAX_CHUNK_LOG2 = 24;
/** Longest metadata record accepted (JSON bytes): bounds what a reader buffers before content. */
export const E2E_MAX_METADATA = 64 * 1024;

export type E2eFailure = 'not-e2e' | 'version' | 'header' | 'key' | 'auth' | 'truncated' | 'metadata';

/** Anything wrong with an end-to-end stream or key. `chunk` is set for per-chunk failures. */
export class E2eFormatError extends Error {
  override readonly name = 'E2eFormatError';
  constructor(
    readonly reason: E2eFailure,
    message: string,
    readonly chunk?: number,
  ) {
    super(message);
  }
}

export interface E2eHeader {
  chunkLog2: number;
  chunkSize: number;
  /** 7 random bytes: with them, re-encrypting under the same key (an update) never repeats a nonce. */
  prefix: Uint8Array;
  /** The 16 header bytes, which are also every chunk's associated data. */
  raw: Uint8Array;
}

/** What the encrypted metadata record may hold; readers ignore fields they do not know. */
export interface E2eMetadata {
  /** The original file name (a hint: readers must sanitise it before using it as a path). */
  name?: string;
  /** A MIME type the sender believed the content has (a hint; never trusted for rendering). */
  type?: string;
}

export function encodeHeader(prefix: Uint8Array, chunkLog2 = E2E_DEFAULT_CHUNK_LOG2): E2eHeader {
  if (prefix.length !== E2E_PREFIX_LENGTH) throw new RangeError('the nonce prefix must be 7 bytes');
  if (!Number.isInteger(chunkLog2) || chunkLog2 < E2E_MIN_CHUNK_LOG2 || chunkLog2 > E2E_MAX_CHUNK_LOG2) throw new RangeError('chunk size log2 must be 10..24');
  const raw = new Uint8Array(E2E_HEADER_LENGTH);
  raw.set(E2E_MAGIC, 0);
  raw[4] = E2E_VERSION;
  raw[5] = chunkLog2;
  raw.set(prefix, 6);
  return { chunkLog2, chunkSize: 2 ** chunkLog2, prefix: raw.slice(6, 13), raw };
}

/** True when `bytes` starts like an end-to-end stream (magic only; the version may still be unknown). */
export function looksLikeE2e(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && E2E_MAGIC.every((byte, i) => bytes[i] === byte);
}

export function parseHeader(bytes: Uint8Array): E2eHeader {
  if (bytes.length < E2E_HEADER_LENGTH || !looksLikeE2e(bytes)) throw new E2eFormatError('not-e2e', 'not an end-to-end encrypted Sealbin stream');
  if (bytes[4] !== E2E_VERSION) throw new E2eFormatError('version', `unsupported end-to-end format version ${bytes[4]}`);
  const log2 = bytes[5] as number;
  if (log2 < E2E_MIN_CHUNK_LOG2 || log2 > E2E_MAX_CHUNK_LOG2 || bytes[13] !== 0 || bytes[14] !== 0 || bytes[15] !== 0) throw new E2eFormatError('header', 'malformed end-to-end header');
  const raw = bytes.slice(0, E2E_HEADER_LENGTH);
  return { chunkLog2: log2, chunkSize: 2 ** log2, prefix: raw.slice(6, 13), raw };
}

/** nonce = prefix ‖ u32be(index) ‖ final: reordering, dropping or truncating chunks all fail their tag. */
export function chunkNonce(prefix: Uint8Array, index: number, final: boolean): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new RangeError('chunk index out of range');
  const nonce = new Uint8Array(12);
  nonce.set(prefix, 0);
  new DataView(nonce.buffer).setUint32(7, index, false);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

/** The sealed size of a full (non-final) chunk. */
export function sealedChunkSize(chunkSize: number): number {
  return chunkSize + E2E_TAG_LENGTH;
}

/**
 * Ciphertext size for `plainLength` bytes of stream plaintext (metadata record + content). There are
 * ⌊P/C⌋ + 1 chunks; the final one holds 0..C-1 bytes, so a full-size chunk is never the final one.
 */
export function encryptedLength(plainLength: number, chunkSize = 2 ** E2E_DEFAULT_CHUNK_LOG2): number {
  return E2E_HEADER_LENGTH + plainLength + (Math.floor(plainLength / chunkSize) + 1) * E2E_TAG_LENGTH;
}

/**
 * Where the chunks of a complete ciphertext of `totalLength` bytes lie (for readers holding the whole
 * thing, e.g. a browser Blob): chunk i starts at 16 + i·(C+16); all but the last are C+16 bytes.
 * @example chunkLayout(16 + 16, 65536) → { count: 1, finalLength: 16 } (empty plaintext)
 */
export function chunkLayout(totalLength: number, chunkSize: number): { count: number; finalLength: number } {
  const body = totalLength - E2E_HEADER_LENGTH;
  if (body < E2E_TAG_LENGTH) throw new E2eFormatError('truncated', 'the stream ended early (truncated)', 0);
  const sealed = sealedChunkSize(chunkSize);
  const count = Math.floor(body / sealed) + 1;
  const finalLength = body - (count - 1) * sealed;
  // A final chunk always holds fewer than C bytes: a last piece of 0 (or of C+16) means chunks are missing.
  if (finalLength < E2E_TAG_LENGTH) throw new E2eFormatError('truncated', 'the stream ended early (truncated)', count - 1);
  return { count, finalLength };
}

const encoder = new TextEncoder();

/** u32be(length) ‖ UTF-8 JSON of the metadata (only string fields that are set). */
export function encodeMetadata(metadata: E2eMetadata = {}): Uint8Array {
  const clean: Record<string, string> = {};
  if (typeof metadata.name === 'string') clean['name'] = metadata.name;
  if (typeof metadata.type === 'string') clean['type'] = metadata.type;
  const json = encoder.encode(JSON.stringify(clean));
  if (json.length > E2E_MAX_METADATA) throw new RangeError('the metadata record is too long');
  const record = new Uint8Array(4 + json.length);
  new DataView(record.buffer).setUint32(0, json.length, false);
  record.set(json, 4);
  return record;
}

/**
 * Reads the metadata record at the start of the decrypted plaintext. Returns null while more bytes
 * are needed, else the metadata and how many bytes the record took.
 */
export function parseMetadata(plain: Uint8Array): { metadata: E2eMetadata; length: number } | null {
  if (plain.length < 4) return null;
  const size = new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(0, false);
  // Memory exhaustion: a record length is believed only up to the limit.
  if (size > E2E_MAX_METADATA) throw new E2eFormatError('metadata', 'the metadata record is too long');
  if (plain.length < 4 + size) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(4, 4 + size)));
  } catch {
    throw new E2eFormatError('metadata', 'the metadata record is not UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new E2eFormatError('metadata', 'the metadata record is not a JSON object');
  const fields = parsed as Record<string, unknown>;
  const metadata: E2eMetadata = {};
  if (typeof fields['name'] === 'string') metadata.name = fields['name'];
  if (typeof fields['type'] === 'string') metadata.type = fields['type'];
  return { metadata, length: 4 + size };
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding (RFC 4648 §5), as put after `#` in URLs. */
export function encodeKey(key: Uint8Array): string {
  if (key.length !== E2E_KEY_LENGTH) throw new RangeError('a key is 32 bytes');
  let out = '';
  for (let i = 0; i < key.length; i += 3) {
    const n = ((key[i] as number) << 16) | ((key[i + 1] ?? 0) << 8) | (key[i + 2] ?? 0);
    const chars = i + 2 < key.length ? 4 : i + 1 < key.length ? 3 : 2;
    for (let j = 0; j < chars; j++) out += B64URL[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

/** The 32-byte key from its 43-character base64url form; anything else is a clear error, not a guess. */
export function decodeKey(text: string): Uint8Array {
  const trimmed = text.trim().replace(/^#/, '');
  if (!/^[A-Za-z0-9_-]{43}$/.test(trimmed)) throw new E2eFormatError('key', 'the key must be 43 base64url characters (32 bytes)');
  const out = new Uint8Array(E2E_KEY_LENGTH);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of trimmed) {
    value = (value << 6) | B64URL.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (at < E2E_KEY_LENGTH) out[at++] = (value >> bits) & 0xff;
    }
  }
  // 43 characters carry 258 bits: the 2 spare bits must be zero, so each key has one spelling.
  if ((value & ((1 << bits) - 1)) !== 0) throw new E2eFormatError('key', 'the key is not canonical base64url');
  return out;
}

/** The parts of WebCrypto's SubtleCrypto these functions use (browsers: crypto.subtle; Node: webcrypto.subtle). */
export interface AesGcmSubtle {
  importKey(format: 'raw', keyData: Uint8Array, algorithm: { name: 'AES-GCM' }, extractable: boolean, usages: ('encrypt' | 'decrypt')[]): Promise<unknown>;
  encrypt(algorithm: { name: 'AES-GCM'; iv: Uint8Array; additionalData: Uint8Array; tagLength: number }, key: never, data: Uint8Array): Promise<ArrayBuffer>;
  decrypt(algorithm: { name: 'AES-GCM'; iv: Uint8Array; additionalData: Uint8Array; tagLength: number }, key: never, data: Uint8Array): Promise<ArrayBuffer>;
}

export async function importKey(subtle: AesGcmSubtle, key: Uint8Array): Promise<unknown> {
  if (key.length !== E2E_KEY_LENGTH) throw new E2eFormatError('key', 'a key is 32 bytes');
  return subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** Seals chunk `index` (ciphertext ‖ tag) with WebCrypto. */
export async function sealChunk(subtle: AesGcmSubtle, key: unknown, header: E2eHeader, index: number, final: boolean, plain: Uint8Array): Promise<Uint8Array> {
  const params = { name: 'AES-GCM' as const, iv: chunkNonce(header.prefix, index, final), additionalData: header.raw, tagLength: 128 };
  return new Uint8Array(await subtle.encrypt(params, key as never, plain));
}

/** Opens chunk `index`; a wrong key, any altered byte, or a chunk out of place throws E2eFormatError('auth'). */
export async function openChunk(subtle: AesGcmSubtle, key: unknown, header: E2eHeader, index: number, final: boolean, sealed: Uint8Array): Promise<Uint8Array> {
  if (sealed.length < E2E_TAG_LENGTH) throw new E2eFormatError('truncated', 'the stream ended early (truncated)', index);
  const params = { name: 'AES-GCM' as const, iv: chunkNonce(header.prefix, index, final), additionalData: header.raw, tagLength: 128 };
  try {
    return new Uint8Array(await subtle.decrypt(params, key as never, sealed));
  } catch {
    throw new E2eFormatError('auth', authMessage(index), index);
  }
}

export function authMessage(index: number): string {
  return index === 0 ? 'decryption failed: wrong key, or the content was altered' : `decryption failed at chunk ${index}: the content was altered or truncated`;
}

/** Decrypts a whole ciphertext held in memory (small items, tests, browsers with a Blob). */
export async function decryptAll(subtle: AesGcmSubtle, keyBytes: Uint8Array, stream: Uint8Array): Promise<{ metadata: E2eMetadata; content: Uint8Array }> {
  const header = parseHeader(stream);
  const key = await importKey(subtle, keyBytes);
  const { count } = chunkLayout(stream.length, header.chunkSize);
  const sealed = sealedChunkSize(header.chunkSize);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const from = E2E_HEADER_LENGTH + i * sealed;
    const part = await openChunk(subtle, key, header, i, i === count - 1, stream.subarray(from, Math.min(from + sealed, stream.length)));
    parts.push(part);
    total += part.length;
  }
  const plain = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    plain.set(part, at);
    at += part.length;
  }
  const record = parseMetadata(plain);
  if (!record) throw new E2eFormatError('metadata', 'the stream ended inside the metadata record');
  return { metadata: record.metadata, content: plain.subarray(record.length) };
}

/** Encrypts a whole plaintext in memory with WebCrypto (small items, tests, browsers). */
export async function encryptAll(subtle: AesGcmSubtle, keyBytes: Uint8Array, prefix: Uint8Array, content: Uint8Array, metadata: E2eMetadata = {}, chunkLog2 = E2E_DEFAULT_CHUNK_LOG2): Promise<Uint8Array> {
  const header = encodeHeader(prefix, chunkLog2);
  const key = await importKey(subtle, keyBytes);
  const record = encodeMetadata(metadata);
  const plain = new Uint8Array(record.length + content.length);
  plain.set(record, 0);
  plain.set(content, record.length);
  const out = new Uint8Array(encryptedLength(plain.length, header.chunkSize));
  out.set(header.raw, 0);
  let at = E2E_HEADER_LENGTH;
  const finalIndex = Math.floor(plain.length / header.chunkSize);
  for (let i = 0; i <= finalIndex; i++) {
    const sealed = await sealChunk(subtle, key, header, i, i === finalIndex, plain.subarray(i * header.chunkSize, (i + 1) * header.chunkSize));
    out.set(sealed, at);
    at += sealed.length;
  }
  return out;
}
