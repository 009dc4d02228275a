// Receiving content: the server's bytes are checked against its X-Content-SHA256 and length,
// decrypted when a key is known, held back from a terminal if binary, and only then made visible.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { E2eFormatError, looksLikeE2e } from '../crypto/e2e-format.js';
import type { E2eMetadata } from '../crypto/e2e-format.js';
import { E2eDecryptStream } from '../crypto/e2e-stream.js';
import { CliError } from './errors.js';
import type { Response } from './http-client.js';
import { BinaryGate } from './output.js';
import type { Output } from './output.js';
import { ProgressTap } from './progress.js';

/** Checks what arrived against the server's X-Content-SHA256 and Content-Length. */
class Verifier extends Transform {
  private readonly hash = createHash('sha256');
  private length = 0;

  constructor(
    private readonly expectedSha256: string | undefined,
    private readonly expectedLength: number | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.length += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedLength !== undefined && this.length !== this.expectedLength) return callback(new CliError(`the download was cut off after ${this.length} of ${this.expectedLength} bytes`));
    const actual = this.hash.digest('hex');
    if (this.expectedSha256 && actual !== this.expectedSha256) return callback(new CliError(`integrity failure: the content received does not match the server's SHA-256 (expected ${this.expectedSha256}, got ${actual})`));
    callback();
  }
}

/** Without a key: end-to-end ciphertext is an error (useless output), unless --raw asks for it. */
class CiphertextGuard extends Transform {
  private checked = false;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.checked) return callback(null, chunk);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < 16) return callback();
    this.checked = true;
    callback(this.verdict(), this.head);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.checked && this.head.length > 0) {
      const error = this.verdict();
      if (error) return callback(error);
      this.push(this.head);
    }
    callback();
  }

  private verdict(): Error | null {
    return looksLikeE2e(this.head) ? new CliError('this item is end-to-end encrypted and no key is known: give the full URL with its #key (or --key KEY); --raw saves the ciphertext') : null;
  }
}

/** One line for each way decryption can fail. */
export function describeE2eError(error: E2eFormatError): string {
  switch (error.reason) {
    case 'not-e2e':
      return 'this item is not end-to-end encrypted, but a key was given: drop the #key part (or use --raw)';
    case 'auth':
      return error.chunk === 0 ? 'decryption failed: wrong key (or the content was altered); nothing was written' : `decryption failed at chunk ${error.chunk}: the content was altered or cut off`;
    case 'truncated':
      return 'the encrypted content is truncated';
    case 'version':
    case 'header':
      return `cannot decrypt: ${error.message} (a newer fpaste may be needed)`;
    case 'key':
      return `the key is malformed: ${error.message}`;
    default:
      return `cannot decrypt: ${error.message}`;
  }
}

export interface ReceiveOptions {
  response: Response;
  /** Decrypt with this key; null: pass the content through (refusing ciphertext unless `raw`). */
  key: Buffer | null;
  raw: boolean;
  output: Output;
  /** The output is a terminal and --force was not given. */
  refuseBinary: boolean;
  label: string;
  /** Called with the decrypted metadata before any content is written. */
  onMetadata?: (metadata: E2eMetadata) => void;
}

export interface Received {
  encrypted: boolean;
  metadata: E2eMetadata | undefined;
  bytes: number;
}

export async function receive(options: ReceiveOptions): Promise<Received> {
  const { response, key, output } = options;
  const lengthHeader = response.header('content-length');
  const expectedLength = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const sha = response.header('x-content-sha256');
  const tap = new ProgressTap(options.label, expectedLength);
  const stages: Transform[] = [tap, new Verifier(sha && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined, expectedLength)];
  let decryptor: E2eDecryptStream | null = null;
  if (key && !options.raw) {
    decryptor = new E2eDecryptStream(key);
    if (options.onMetadata) decryptor.once('metadata', options.onMetadata);
    stages.push(decryptor);
  } else if (!options.raw) stages.push(new CiphertextGuard());
  let counted = 0;
  stages.push(
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        counted += chunk.length;
        callback(null, chunk);
      },
    }),
  );
  if (options.refuseBinary) stages.push(new BinaryGate(true));
  try {
    await pipeline([response.body, ...stages, output.stream]);
    await output.commit();
  } catch (error) {
    output.abort();
    if (error instanceof E2eFormatError) throw new CliError(describeE2eError(error));
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error).message === 'aborted') {
      throw new CliError('the download was cut off (the server aborted it: an integrity failure on its side, or a network problem); nothing was kept');
    }
    throw new CliError(`cannot write to ${output.label}: ${(error as Error).message}`);
  }
  return { encrypted: decryptor !== null, metadata: decryptor?.metadata, bytes: counted };
}
