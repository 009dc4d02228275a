// Request bodies for creations and updates. A body must be repeatable (a stale proof of work means
// sending it again) and its length known when possible (the server refuses oversized bodies from
// Content-Length alone, and progress bars need a total). Files are re-read; stdin is kept in memory
// up to a limit, beyond that spooled to a private temp file (ciphertext only, when encrypting).
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, pipeline as pipelineCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { E2E_DEFAULT_CHUNK_LOG2, E2E_PREFIX_LENGTH, encodeMetadata } from '../crypto/e2e-format.js';
import type { E2eMetadata } from '../crypto/e2e-format.js';
import { e2eResumePoint } from '../crypto/e2e-resume.js';
import { e2eEncryptedLength, E2eEncryptStream } from '../crypto/e2e-stream.js';
import { byteWindow } from './byte-window.js';
import { CliError } from './errors.js';

/** stdin up to this size stays in memory; flat memory beyond it. */
const STDIN_MEMORY_LIMIT = 16 * 1024 * 1024;

export interface BodySource {
  /** Bytes that will be sent (ciphertext length when encrypting). */
  length: number;
  /** Bytes of content before encryption (0 = nothing to send). */
  contentLength: number;
  /** A fresh stream of the whole body; call once per attempt. */
  open(): Readable;
  /**
   * Bytes [start, end) of the body, produced without going through the bytes before `start` (an
   * encrypted body re-seals from the chunk holding `start`). For uploads that resume.
   */
  range?(start: number, end: number): Readable;
  /** The file behind the body, as it was when measured (resumable uploads key their state on it). */
  file?: { path: string; size: number; mtimeMs: number };
  /** Removes temp files. */
  dispose(): void;
}

export interface Encryption {
  key: Buffer;
  /**
   * The nonce prefix, fixed for the life of one body so that every attempt (a retry, a resumed
   * upload) produces the same ciphertext; a new body (new plaintext) always gets a new one.
   */
  prefix: Buffer;
  metadata: E2eMetadata;
}

export function newEncryption(key: Buffer, metadata: E2eMetadata): Encryption {
  return { key, prefix: randomBytes(E2E_PREFIX_LENGTH), metadata };
}

function encrypted(source: Readable, encryption: Encryption, fromChunk = 0): Readable {
  // pipeline: a failing file reaches the reader, and a reader that stops closes the file.
  return pipelineCallback(source, new E2eEncryptStream(encryption.key, { metadata: encryption.metadata, prefix: encryption.prefix, fromChunk }), () => undefined);
}

/**
 * Ciphertext bytes [start, end) of `contentLength` bytes of content: content is read only from the
 * chunk that holds `start` (openContent(position) gives the content from that position on).
 */
export function encryptedRange(encryption: Encryption, contentLength: number, start: number, end: number, openContent: (position: number) => Readable): Readable {
  const point = e2eResumePoint(start, encodeMetadata(encryption.metadata).length, contentLength, 2 ** E2E_DEFAULT_CHUNK_LOG2);
  return byteWindow(encrypted(openContent(point.contentStart), encryption, point.chunk), point.skip, end - start);
}

function fileFrom(path: string, start: number, end?: number): Readable {
  return createReadStream(path, { highWaterMark: 256 * 1024, start, ...(end !== undefined ? { end: end - 1 } : {}) });
}

export function fileBody(path: string, encryption: Encryption | null): BodySource {
  let size: number;
  let mtimeMs: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new CliError(`${path} is not a regular file`);
    size = stat.size;
    mtimeMs = stat.mtimeMs;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // `fpaste lsit` reaches the default command as a file name: say it is not a command either.
    if (code === 'ENOENT' && /^[a-z-]+$/.test(path)) throw new CliError(`no file named ${path}, and "${path}" is not a command (see fpaste --help)`);
    throw new CliError(`cannot read ${path} (${code ?? (error as Error).message})`);
  }
  return {
    length: encryption ? e2eEncryptedLength(size, encryption.metadata) : size,
    contentLength: size,
    open: () => {
      const file = fileFrom(path, 0);
      return encryption ? encrypted(file, encryption) : file;
    },
    range: (start, end) => {
      if (end <= start) return Readable.from([]);
      return encryption ? encryptedRange(encryption, size, start, end, (position) => fileFrom(path, position)) : byteWindow(fileFrom(path, start, end), 0, end - start);
    },
    file: { path, size, mtimeMs },
    dispose: () => undefined,
  };
}

function memoryBody(content: Buffer, encryption: Encryption | null): BodySource {
  return {
    length: encryption ? e2eEncryptedLength(content.length, encryption.metadata) : content.length,
    contentLength: content.length,
    open: () => {
      const source = Readable.from([content]);
      return encryption ? encrypted(source, encryption) : source;
    },
    range: (start, end) => {
      if (end <= start) return Readable.from([]);
      return encryption ? encryptedRange(encryption, content.length, start, end, (position) => Readable.from([content.subarray(position)])) : Readable.from([content.subarray(start, end)]);
    },
    dispose: () => undefined,
  };
}

/** stdin as a repeatable body. */
export async function stdinBody(encryption: Encryption | null, input: Readable = process.stdin): Promise<BodySource> {
  const head: Buffer[] = [];
  let headLength = 0;
  const iterator = input[Symbol.asyncIterator]();
  for (;;) {
    const next = (await iterator.next()) as IteratorResult<Buffer>;
    if (next.done) return memoryBody(Buffer.concat(head, headLength), encryption);
    head.push(next.value);
    headLength += next.value.length;
    if (headLength > STDIN_MEMORY_LIMIT) break;
  }
  const spill = Buffer.concat(head, headLength);
  head.length = 0;
  // Large input: spool to a private temp file (mode 0600), encrypted first when encrypting.
  const temp = join(tmpdir(), `fpaste-${process.pid}-${randomBytes(6).toString('hex')}.spool`);
  const rest = new PassThrough();
  const spilled = spill.length;
  let contentLength = spilled;
  rest.write(spill);
  const feed = (async () => {
    for (;;) {
      const next = (await iterator.next()) as IteratorResult<Buffer>;
      if (next.done) break;
      contentLength += next.value.length;
      if (!rest.write(next.value)) await new Promise((resolve) => rest.once('drain', resolve));
    }
    rest.end();
  })();
  try {
    await Promise.all([pipeline(encryption ? encrypted(rest, encryption) : rest, createWriteStream(temp, { flags: 'wx', mode: 0o600 })), feed]);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Not created.
    }
    throw new CliError(`cannot buffer stdin in ${tmpdir()} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return {
    length: statSync(temp).size,
    contentLength,
    open: () => fileFrom(temp, 0),
    // The spool already holds the body as sent (ciphertext when encrypting).
    range: (start, end) => (end <= start ? Readable.from([]) : fileFrom(temp, start, end)),
    dispose: () => {
      try {
        unlinkSync(temp);
      } catch {
        // Already removed.
      }
    },
  };
}

/**
 * A plain upload named with non-ASCII characters goes as multipart: X-Filename is read as Latin-1
 * by HTTP servers, a multipart part's filename as UTF-8.
 */
export function multipartBody(inner: BodySource, filename: string): { body: BodySource; contentType: string } {
  const boundary = `fpaste-${randomBytes(12).toString('hex')}`;
  // Header injection inside the part: no quotes, backslashes or line breaks in the parameter.
  const quoted = filename.replace(/["\\\r\n]/g, '_');
  const preamble = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n`, 'utf8');
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: {
      length: preamble.length + inner.length + epilogue.length,
      contentLength: inner.contentLength,
      open: () => {
        const out = new PassThrough();
        out.write(preamble);
        const content = inner.open();
        content.once('error', (error) => out.destroy(error));
        out.once('close', () => content.destroy());
        content.once('end', () => out.end(epilogue));
        content.pipe(out, { end: false });
        return out;
      },
      dispose: () => inner.dispose(),
    },
  };
}

export function isPlainAsciiName(name: string): boolean {
  return /^[\x20-\x7e]+$/.test(name);
}

