// Reading a creation request: raw body (any Content-Type), multipart `file` part, or JSON
// {"content": "..."}. The result is always a stream plus what the client claimed about it.
import { isUtf8 } from 'node:buffer';
import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { createJsonBody } from '../api/items.js';
import { normalizeClaimedType } from '../core/content-type.js';
import { AppError } from '../core/errors.js';
import { filenameFromHeaders } from './filename-header.js';
import { exceedsJsonDepth } from './json-depth.js';
import { TOO_DEEP } from './json-parser.js';
import { SlowBodyGuard } from './slow-body.js';

/** Bounded non-file multipart parts (fields, headers) so the overhead allowance below is honest. */
export const MULTIPART_FIELD_LIMIT = 16 * 1024;
export const MULTIPART_FIELDS = 8;
const MULTIPART_OVERHEAD = 1024 * 1024;
/** JSON bodies are parsed in memory; larger content belongs in a raw or multipart body. */
export const JSON_CONTENT_LIMIT = 8 * 1024 * 1024;

export interface CreateBody {
  stream: Readable;
  /** Bytes the stream will carry, when known before reading (a raw body's Content-Length, JSON content); null otherwise. */
  size: number | null;
  claimedType: string | null;
  filename: string | null;
}

function isMultipart(request: FastifyRequest): boolean {
  return /^multipart\/form-data/i.test(request.headers['content-type'] ?? '');
}

function isJson(request: FastifyRequest): boolean {
  return /^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '');
}

export function jsonBodyLimit(maxSize: number): number {
  // JSON escapes can grow text up to 6x; allow room but never unbounded buffering.
  return Math.min(maxSize, JSON_CONTENT_LIMIT) * 2 + 64 * 1024;
}

/**
 * Disk and memory exhaustion: a declared Content-Length over the limit is refused from the headers
 * alone, before any byte of the body is read.
 */
export function declaredTooLarge(request: FastifyRequest, maxSize: number): boolean {
  const header = request.headers['content-length'];
  if (header === undefined || !/^\d{1,16}$/.test(header)) return false;
  const length = Number(header);
  if (isMultipart(request)) return length > maxSize + MULTIPART_OVERHEAD;
  if (isJson(request)) return length > jsonBodyLimit(maxSize);
  return length > maxSize;
}

/**
 * The content size a request declares, when it can be known from the headers: a raw body's sane
 * Content-Length is its content; multipart and JSON wrap the content in overhead of unknown size (0).
 */
export function declaredContentSize(request: FastifyRequest): number {
  const header = request.headers['content-length'];
  if (header === undefined || !/^\d{1,16}$/.test(header) || isMultipart(request) || isJson(request)) return 0;
  return Number(header);
}

/** Registers the creation parsers in the current (encapsulated) scope: raw stream, JSON, multipart. */
export function registerCreateParsers(app: FastifyInstance, maxSize: number): void {
  app.removeAllContentTypeParsers();
  // Anything that is neither JSON nor multipart is content, passed through as a stream.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: jsonBodyLimit(maxSize) }, (request, body, done) => {
    const buffer = body as Buffer;
    if (buffer.length === 0) return done(new AppError('EMPTY'), undefined);
    // Lossy decoding would silently store U+FFFD instead of what the client sent.
    if (!isUtf8(buffer)) return done(new AppError('INVALID_JSON', 'The JSON body is not valid UTF-8.'), undefined);
    const text = buffer.toString('utf8');
    // Event-loop stall by deep nesting: refused by a flat scan before the recursive parser runs.
    if (exceedsJsonDepth(text)) return done(new AppError('INVALID_JSON', TOO_DEEP), undefined);
    // Prototype poisoning: the default parser refuses __proto__ and constructor.prototype keys.
    parseJson(request, text, (error, value) => {
      if (error) return done(new AppError('INVALID_JSON', 'The JSON body is malformed or has forbidden keys (__proto__, constructor).'), undefined);
      done(null, value);
    });
  });
}

export async function readCreateBody(request: FastifyRequest, maxSize: number): Promise<CreateBody> {
  const headerName = filenameFromHeaders(request.headers);
  if (request.headers['content-length'] === '0') throw new AppError('EMPTY');
  if (isMultipart(request)) {
    const part = await readMultipart(request, maxSize, headerName);
    return { ...part, stream: translateErrors(part.stream, multipartError) };
  }
  if (isJson(request)) return readJson(request.body, maxSize, headerName);
  const body = request.body;
  if (!(body instanceof Readable)) throw new AppError('EMPTY');
  const size = declaredContentSize(request);
  return { stream: translateErrors(body, abortedError), size: size > 0 ? size : null, claimedType: normalizeClaimedType(request.headers['content-type']), filename: headerName };
}

/**
 * Errors of the body stream itself (a client that hangs up, a multipart body cut short) are the
 * client's fault: they become 4xx codes instead of surfacing as 500s from deep in the pipeline.
 */
export function translateErrors(source: Readable, translate: (error: Error) => Error): Readable {
  const out = new SlowBodyGuard();
  source.on('error', (error: Error) => out.destroy(error instanceof AppError ? error : translate(error)));
  // Crash by unhandled 'error': a body nobody consumes (the request was refused first) must never
  // take the process down when its guard fires; consumers attach their own listeners as usual.
  out.on('error', () => undefined);
  // A body that stops without ending (client gone, request refused) stops the guard too; a body
  // that ended normally is left alone, whatever is still buffered downstream.
  source.once('close', () => {
    if (!source.readableEnded && !out.destroyed) out.destroy();
  });
  source.pipe(out);
  return out;
}

function multipartError(error: Error): Error {
  if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('TOO_LARGE');
  return new AppError('INVALID_MULTIPART', 'The multipart body ended early or is malformed.');
}

function abortedError(error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || error.message === 'aborted') return new AppError('INVALID_REQUEST', 'The upload was aborted before it completed.');
  return error;
}

function readJson(body: unknown, maxSize: number, filename: string | null): CreateBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('INVALID_JSON', 'Expected a JSON object {"content": "..."}.');
  const parsed = createJsonBody.safeParse(body);
  if (!parsed.success) throw new AppError('INVALID_JSON', 'The "content" field must be a string.');
  const bytes = Buffer.from(parsed.data.content, 'utf8');
  if (bytes.length > Math.min(maxSize, JSON_CONTENT_LIMIT)) throw new AppError('TOO_LARGE', `JSON content is limited to ${Math.min(maxSize, JSON_CONTENT_LIMIT)} bytes; send larger content as a raw or multipart body.`);
  return { stream: Readable.from([bytes]), size: bytes.length, claimedType: 'text/plain', filename };
}

async function readMultipart(request: FastifyRequest, maxSize: number, headerName: string | null): Promise<CreateBody> {
  let parts: AsyncIterator<unknown>;
  try {
    parts = (request.parts({
      limits: { fileSize: maxSize + 1, files: 1, fields: MULTIPART_FIELDS, fieldSize: MULTIPART_FIELD_LIMIT, parts: MULTIPART_FIELDS + 1, headerPairs: 32 },
    }) as AsyncIterableIterator<unknown>)[Symbol.asyncIterator]();
    for (let next = await parts.next(); next.done !== true; next = await parts.next()) {
      const file = next.value as Partial<MultipartFile> & { type?: string; fieldname: string };
      if (file.type === 'file' && file.fieldname === 'file' && file.file) {
        return { stream: endAfterTheLastPart(file.file, parts), size: null, claimedType: normalizeClaimedType(file.mimetype), filename: headerName ?? file.filename ?? null };
      }
      if (file.type === 'file' && file.file) file.file.resume();
    }
  } catch (error) {
    throw multipartFailure(error);
  }
  // Busboy also drops file parts whose filename holds line breaks: the same answer covers both.
  throw new AppError('INVALID_MULTIPART', 'The multipart body has no usable "file" part (a part named "file" whose filename has no line breaks).');
}

const SECOND_FILE = 'The multipart body has more than one file part; send exactly one "file" part per upload.';

function multipartFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('TOO_LARGE');
  if (code === 'FST_FILES_LIMIT') return new AppError('INVALID_MULTIPART', SECOND_FILE);
  return new AppError('INVALID_MULTIPART', 'The multipart body is malformed.');
}

/**
 * The contract allows one file part. A second one arrives only after the first has been streamed,
 * so the end of the first is held back until the rest of the body has been read: a second file part
 * (which busboy reports as its files limit) fails the stream, and nothing is stored, instead of the
 * server silently keeping the first and dropping the rest of what the client meant to upload.
 */
function endAfterTheLastPart(file: Readable, rest: AsyncIterator<unknown>): Readable {
  const out = new Transform({
    transform: (chunk: Buffer, _encoding, callback) => callback(null, chunk),
    flush: (callback) => {
      checkNoOtherFile(rest).then(() => callback(), (error: unknown) => callback(multipartFailure(error)));
    },
  });
  file.once('error', (error: Error) => out.destroy(error));
  file.pipe(out);
  return out;
}

async function checkNoOtherFile(rest: AsyncIterator<unknown>): Promise<void> {
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) {
    const part = next.value as Partial<MultipartFile> & { type?: string };
    if (part.type === 'file') {
      part.file?.resume();
      throw new AppError('INVALID_MULTIPART', SECOND_FILE);
    }
  }
}

const lingering = new WeakSet<object>();

/** How long the rest of a refused body is read and discarded before the connection is cut. */
export const LINGER_MS = 2000;

/**
 * After refusing a body we did not (fully) read, close gracefully: closing a socket with unread data makes
 * the kernel send a reset that can destroy the 413 before the client reads it. So the rest is read
 * and discarded for a short while (a "lingering close"), never stored, and the socket is cut after
 * LINGER_MS so a client cannot make us swallow gigabytes.
 */
export function lingerUnreadBody(reply: FastifyReply): void {
  const request = reply.request.raw;
  // tus calls this from onRequest and again from onError for one refusal: one linger is enough.
  if (lingering.has(request)) return;
  lingering.add(request);
  const socket = request.socket;
  // The last answer on a connection (the client sent Connection: close) is followed by Node's
  // socket.destroySoon(), run from the response's 'finish' before the listener below: that closes the
  // socket with the body unread, the very reset described above. Only the FIN is sent then; the
  // socket is destroyed once the rest of the body was read, or after LINGER_MS.
  let closing = false;
  const replaced = typeof socket?.destroySoon === 'function';
  if (replaced) {
    socket.destroySoon = () => {
      closing = true;
      if (socket.writable) socket.end();
    };
  }
  // Once the refused body is behind us: the socket's own method is back (a kept-alive connection goes
  // on as usual), and a close Node asked for meanwhile happens now.
  const release = (): void => {
    if (replaced) Reflect.deleteProperty(socket, 'destroySoon');
    // Node's own, back in place: destroyed once the half-close has gone out (TLS's closing alert too).
    if (closing) socket.destroySoon();
  };
  reply.raw.once('finish', () => {
    if (request.complete) {
      release();
      return;
    }
    // Destroying an incomplete request destroys its socket (and works on injected requests, which have no real socket).
    const timer = setTimeout(() => request.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    request.once('end', () => {
      clearTimeout(timer);
      release();
    });
    // Whatever a parser (busboy) left unread is discarded from the socket itself.
    request.unpipe();
    request.resume();
  });
}
