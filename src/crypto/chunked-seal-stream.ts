// Re-chunking for the STREAM-style formats (at rest and end to end): plaintext of any chunking in,
// a head (the format's header) and then sealed fixed-size chunks out. Every chunk but the last holds
// exactly `chunkSize` bytes; the last holds 0..chunkSize-1 and is sealed with the final flag, so a
// truncation at a chunk boundary is always detectable. Memory stays at about one chunk. A chunk's
// plaintext is handed to the sealer as the pieces it arrived in and comes back as pieces (ciphertext
// and tag), so no byte is copied into a joined buffer.
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

export type SealChunk = (index: number, final: boolean, plain: readonly Buffer[]) => readonly Buffer[];

export class ChunkedSealStream extends Transform {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private index = 0;

  /**
   * @param head bytes emitted before the first chunk (the format header)
   * @param leading plaintext that precedes the stream's own (e.g. an encrypted metadata record)
   * @param firstIndex index of the first chunk sealed (a resumed upload regenerates from the chunk it
   *   stopped in; its head and leading bytes are then whatever remains of them, often nothing)
   */
  constructor(
    private readonly chunkSize: number,
    private readonly seal: SealChunk,
    head: Buffer,
    leading?: Buffer,
    firstIndex = 0,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.index = firstIndex;
    if (head.length > 0) this.push(head);
    if (leading && leading.length > 0) {
      this.pending.push(leading);
      this.pendingLength = leading.length;
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const size = this.chunkSize;
    let data = chunk;
    if (this.pendingLength > 0) {
      if (this.pendingLength + data.length < size) {
        this.pending.push(data);
        this.pendingLength += data.length;
        return callback();
      }
      // Complete the pending chunk with the head of this one.
      const need = size - this.pendingLength;
      this.pending.push(data.subarray(0, need));
      this.sealPending(false);
      data = data.subarray(need);
    }
    // Whole chunks straight from the input.
    while (data.length >= size) {
      this.pushAll(this.seal(this.index++, false, [data.subarray(0, size)]));
      data = data.subarray(size);
    }
    if (data.length > 0) {
      // Kept by reference: at most one chunk's worth of input stays alive until it is sealed.
      this.pending.push(data);
      this.pendingLength = data.length;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.sealPending(true);
    callback();
  }

  private sealPending(final: boolean): void {
    const pieces = this.pending;
    this.pending = [];
    this.pendingLength = 0;
    this.pushAll(this.seal(final ? this.index : this.index++, final, pieces));
  }

  private pushAll(parts: readonly Buffer[]): void {
    for (const part of parts) this.push(part);
  }
}
