// One pass over the upload: enforces the size limit as bytes arrive, hashes, keeps the head for
// type detection and checks UTF-8 validity, so no second read of the content is ever needed.
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { ByteHistogram } from '../security/entropy.js';
import { AppError } from './errors.js';

const HEAD_BYTES = 64 * 1024;

/** What one pass over an upload learns; ContentInspector (streamed) and inspectWhole (in memory) agree on it. */
export interface Inspection {
  readonly size: number;
  readonly sha256: string;
  /** The first 64 KiB, for type detection. */
  readonly head: Buffer;
  /** Valid UTF-8 without NUL bytes. */
  readonly utf8: boolean;
  readonly histogram: ByteHistogram | null;
}

/** The one TOO_LARGE of content over the size limit, wherever it is counted. */
export function tooLarge(maxSize: number): AppError {
  return new AppError('TOO_LARGE', `The content is larger than ${maxSize} bytes.`);
}

/** The same inspection of content already in memory (a small upload read whole). */
export function inspectWhole(data: Buffer, maxSize: number, measureEntropy = false): Inspection {
  if (data.length > maxSize) throw tooLarge(maxSize);
  const histogram = measureEntropy ? new ByteHistogram() : null;
  histogram?.add(data);
  return {
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    head: Buffer.from(data.subarray(0, HEAD_BYTES)),
    // NUL bytes make it binary for our purposes even though they are valid UTF-8.
    utf8: isUtf8(data) && !data.includes(0),
    histogram,
  };
}

export class ContentInspector extends Transform implements Inspection {
  private readonly hash = createHash('sha256');
  private readonly headParts: Buffer[] = [];
  private headLength = 0;
  private carry: Buffer = Buffer.alloc(0);
  private validUtf8 = true;
  size = 0;
  /** Filled only when an entropy policy needs it (it costs a pass over every byte in JS). */
  readonly histogram: ByteHistogram | null;

  constructor(
    private readonly maxSize: number,
    measureEntropy = false,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.histogram = measureEntropy ? new ByteHistogram() : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    // Disk filling: stop at the first byte over the limit, never after buffering or storing the rest.
    if (this.size > this.maxSize) return callback(tooLarge(this.maxSize));
    this.hash.update(chunk);
    this.histogram?.add(chunk);
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.headParts.push(Buffer.from(part));
      this.headLength += part.length;
    }
    if (this.validUtf8) this.checkUtf8(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.validUtf8 && this.carry.length > 0) this.validUtf8 = false;
    callback();
  }

  /** Validates UTF-8 across chunk boundaries by carrying an incomplete trailing sequence over. */
  private checkUtf8(chunk: Buffer): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let cut = data.length;
    for (let back = 1; back <= Math.min(3, data.length); back++) {
      const byte = data[data.length - back] as number;
      if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      if (need > back) cut = data.length - back;
      break;
    }
    const complete = data.subarray(0, cut);
    // NUL bytes make it binary for our purposes even though they are valid UTF-8.
    if (!isUtf8(complete) || complete.includes(0)) {
      this.validUtf8 = false;
      this.carry = Buffer.alloc(0);
      return;
    }
    this.carry = Buffer.from(data.subarray(cut));
  }

  get sha256(): string {
    return this.hash.copy().digest('hex');
  }

  get head(): Buffer {
    return Buffer.concat(this.headParts, this.headLength);
  }

  get utf8(): boolean {
    return this.validUtf8 && this.carry.length === 0;
  }
}
