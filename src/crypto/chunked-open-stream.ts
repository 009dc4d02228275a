// The reverse of ChunkedSealStream, for both STREAM-style formats (at rest and end to end): a format
// header, then sealed fixed-size chunks in; plaintext out. The format supplies the header parser and
// the chunk opener; this loop owns the framing rules both rely on: every chunk but the final one is
// full size, the final one is shorter and sealed with the final flag, and anything missing or extra
// is an error rather than a silently shorter plaintext (truncation and extension attacks).
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

export type FramingFault = 'header' | 'truncated' | 'trailing';

export interface ChunkFraming<H extends { chunkSize: number }> {
  headerLength: number;
  tagLength: number;
  parseHeader(bytes: Buffer): H;
  /** Authenticates and decrypts one sealed chunk, or throws the format's error. */
  open(header: H, index: number, final: boolean, sealed: Buffer): Buffer;
  /** The format's error for a framing fault at chunk `index` (`buffered`: bytes received but unused). */
  fault(kind: FramingFault, index: number, buffered: number): Error;
  /** Index of the final chunk when the plaintext size is known (at rest); else found at the end. */
  finalIndex?(header: H): number;
  /** The header, when the input starts at a chunk instead (range reads). */
  header?: H;
  /** Index of the first chunk in the input (range reads). */
  firstIndex?: number;
  /** Index of the last chunk in the input (range reads); default: the final chunk. */
  lastIndex?: number;
}

export class ChunkedOpenStream<H extends { chunkSize: number }> extends Transform {
  private header: H | undefined;
  private finalIndex: number | undefined;
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private index: number;

  constructor(private readonly framing: ChunkFraming<H>) {
    super();
    this.index = framing.firstIndex ?? 0;
    if (framing.header) this.useHeader(framing.header);
  }

  private useHeader(header: H): void {
    this.header = header;
    this.finalIndex = this.framing.finalIndex?.(header);
  }

  /** Called with each chunk's plaintext; formats that carry a record before the content override it. */
  protected deliver(plain: Buffer): void {
    if (plain.length > 0) this.push(plain);
  }

  private openNext(header: H, sealed: Buffer, final: boolean): void {
    const { lastIndex } = this.framing;
    if ((this.finalIndex !== undefined && this.index > this.finalIndex) || (lastIndex !== undefined && this.index > lastIndex)) throw this.framing.fault('trailing', this.index, this.bufferedLength);
    const plain = this.framing.open(header, this.index, final, sealed);
    this.index++;
    this.deliver(plain);
  }

  /** A full-size chunk may be opened once it is known not to be the final one. */
  private mayOpen(available: number, sealedSize: number): boolean {
    if (available < sealedSize) return false;
    // Known size: the final chunk holds fewer than chunkSize bytes. Unknown: only more data behind
    // a full chunk proves it is not the final one.
    return this.finalIndex !== undefined ? this.index < this.finalIndex : available > sealedSize;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
      let header = this.header;
      if (!header) {
        if (this.bufferedLength < this.framing.headerLength) return callback();
        const all = Buffer.concat(this.buffered, this.bufferedLength);
        header = this.framing.parseHeader(all);
        this.useHeader(header);
        this.buffered = [all.subarray(this.framing.headerLength)];
        this.bufferedLength = all.length - this.framing.headerLength;
      }
      const sealedSize = header.chunkSize + this.framing.tagLength;
      while (this.mayOpen(this.bufferedLength, sealedSize)) this.openNext(header, this.nextSealed(sealedSize), false);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /**
   * The next `length` buffered bytes: a view when they lie in one received piece (the common case),
   * else joined (one copy of one chunk). What is left stays as views of what was received.
   */
  private nextSealed(length: number): Buffer {
    const first = this.buffered[0] as Buffer;
    let out: Buffer;
    if (first.length >= length) {
      out = first.subarray(0, length);
      if (first.length === length) this.buffered.shift();
      else this.buffered[0] = first.subarray(length);
    } else {
      out = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const piece = this.buffered[0] as Buffer;
        const used = Math.min(piece.length, length - filled);
        piece.copy(out, filled, 0, used);
        filled += used;
        if (used === piece.length) this.buffered.shift();
        else this.buffered[0] = piece.subarray(used);
      }
    }
    this.bufferedLength -= length;
    return out;
  }

  override _flush(callback: TransformCallback): void {
    try {
      const header = this.header;
      if (!header) throw this.framing.fault('header', 0, this.bufferedLength);
      const rest = Buffer.concat(this.buffered, this.bufferedLength);
      const sealedSize = header.chunkSize + this.framing.tagLength;
      const last = this.framing.lastIndex ?? this.finalIndex;
      if (last !== undefined && this.index > last) {
        if (rest.length > 0) throw this.framing.fault('trailing', this.index, rest.length);
        return callback();
      }
      // What is left must be exactly the final chunk: shorter than a full one, at least a tag.
      if ((this.finalIndex !== undefined && this.index !== this.finalIndex) || rest.length < this.framing.tagLength || rest.length >= sealedSize) {
        throw this.framing.fault('truncated', this.index, rest.length);
      }
      this.openNext(header, rest, true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}
