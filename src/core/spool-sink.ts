// Where encrypted content goes: small items stay in memory and are stored inline with their
// metadata (one commit, no file + fsync), larger ones spill to a BlobStore writer as they stream.
import { Writable } from 'node:stream';
import type { BlobStore, BlobWriter } from '../storage/ports.js';

export interface SpooledContent {
  blobId: string | null;
  inline: Buffer | null;
}

export class SpoolSink extends Writable {
  private parts: Buffer[] = [];
  private length = 0;
  private writer: BlobWriter | null = null;
  private creating: Promise<void> | null = null;

  constructor(
    private readonly blobs: BlobStore,
    private readonly blobId: string,
    private readonly inlineLimit: number,
  ) {
    super();
    // A disk error after the pipeline settled must not become an unhandled 'error' (process crash);
    // while the pipeline runs it has its own listener and sees every error.
    this.on('error', () => undefined);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.writer) {
      this.writeToBlob(chunk, callback);
      return;
    }
    this.parts.push(chunk);
    this.length += chunk.length;
    if (this.length <= this.inlineLimit) return callback();
    this.creating = this.blobs.create(this.blobId).then(
      (writer) => {
        this.writer = writer;
        // A failing disk (ENOSPC, EIO) must fail the upload, not leave it waiting for 'drain'.
        writer.stream.on('error', (error) => this.destroy(error));
        const spilled = Buffer.concat(this.parts, this.length);
        this.parts = [];
        this.writeToBlob(spilled, callback);
      },
      (error: Error) => callback(error),
    );
  }

  private writeToBlob(chunk: Buffer, callback: (error?: Error | null) => void): void {
    const stream = (this.writer as BlobWriter).stream;
    if (stream.write(chunk)) callback();
    else stream.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.writer) return callback();
    const stream = this.writer.stream;
    // A write that fails while the buffer is flushed (ENOSPC) must fail the upload, once: end's
    // callback also runs on that error, and ignoring its argument made a lost blob look committed.
    let settled = false;
    const settle = (error?: Error | null): void => {
      if (settled) return;
      settled = true;
      callback(error ?? stream.errored);
    };
    stream.once('error', settle);
    stream.end((error?: Error | null) => settle(error));
  }

  /** Makes the content durable; call after the stream finished. */
  async commit(): Promise<SpooledContent> {
    if (this.writer) {
      await this.writer.commit();
      return { blobId: this.blobId, inline: null };
    }
    return { blobId: null, inline: Buffer.concat(this.parts, this.length) };
  }

  /** Discards everything written (failed or refused upload). */
  async abort(): Promise<void> {
    this.parts = [];
    await this.creating?.catch(() => undefined);
    await this.writer?.abort();
  }
}
