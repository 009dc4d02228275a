// An in-memory BlobStore for unit tests: same contract as the filesystem adapter (invisible until
// commit, gone after abort, ENOENT for missing blobs, inclusive byte ranges), plus a few hooks to
// inspect and corrupt what was stored.
import { Readable, Writable } from 'node:stream';
import type { BlobStore, BlobWriter, ByteRange } from '../../src/storage/ports.js';

export interface MemoryBlobStoreOptions {
  /** Reads are delivered in pieces of at most this many bytes (default: 16 KiB), as a file stream would. */
  readPieceSize?: number;
  /** Deliver each piece on a later turn of the event loop, as real I/O does (default: true). */
  asyncReads?: boolean;
  /** The time in epoch ms that writes are stamped with (age cutoffs of list and sweepIncomplete; default Date.now). */
  now?: () => number;
}

function missing(blobId: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`no such blob ${blobId}`);
  error.code = 'ENOENT';
  return error;
}

export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Buffer>();
  /** Writers created and neither committed nor aborted yet, with the time of their last write. */
  readonly pending = new Map<string, number>();
  /** When each committed blob was last written (epoch ms). */
  readonly writtenAt = new Map<string, number>();
  readonly removed: string[] = [];
  private readonly readPieceSize: number;
  private readonly asyncReads: boolean;

  constructor(options: MemoryBlobStoreOptions = {}) {
    this.readPieceSize = options.readPieceSize ?? 16 * 1024;
    this.asyncReads = options.asyncReads ?? true;
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  async create(blobId: string): Promise<BlobWriter> {
    if (this.blobs.has(blobId) || this.pending.has(blobId)) throw new Error(`blob ${blobId} already exists`);
    const parts: Buffer[] = [];
    const pending = this.pending;
    const now = this.now;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        parts.push(Buffer.from(chunk));
        if (pending.has(blobId)) pending.set(blobId, now());
        callback();
      },
    });
    pending.set(blobId, now());
    let done = false;
    return {
      stream,
      commit: async () => {
        if (done) throw new Error('blob writer already finished');
        done = true;
        const lastWrite = this.pending.get(blobId);
        this.pending.delete(blobId);
        if (!stream.writableFinished) throw new Error('blob stream was not finished before commit');
        // Swept as a leftover meanwhile, as the filesystem's rename of a removed .part would fail.
        if (lastWrite === undefined) throw missing(blobId);
        this.blobs.set(blobId, Buffer.concat(parts));
        this.writtenAt.set(blobId, lastWrite);
      },
      abort: async () => {
        if (done) return;
        done = true;
        stream.destroy();
        parts.length = 0;
        this.pending.delete(blobId);
      },
    };
  }

  async read(blobId: string, range?: ByteRange): Promise<Readable> {
    const blob = this.blobs.get(blobId);
    if (!blob) throw missing(blobId);
    const data = range ? blob.subarray(range.start, range.end + 1) : blob;
    const pieces: Buffer[] = [];
    for (let at = 0; at < data.length; at += this.readPieceSize) pieces.push(Buffer.from(data.subarray(at, at + this.readPieceSize)));
    if (!this.asyncReads) return Readable.from(pieces, { objectMode: false });
    async function* slowly(): AsyncGenerator<Buffer> {
      for (const piece of pieces) {
        await new Promise((resolve) => setImmediate(resolve));
        yield piece;
      }
    }
    return Readable.from(slowly(), { objectMode: false });
  }

  async remove(blobId: string): Promise<void> {
    this.writtenAt.delete(blobId);
    if (this.blobs.delete(blobId)) this.removed.push(blobId);
  }

  async *list(olderThanMs: number): AsyncIterable<string> {
    for (const blobId of [...this.blobs.keys()]) if ((this.writtenAt.get(blobId) ?? 0) < olderThanMs) yield blobId;
  }

  async sweepIncomplete(olderThanMs: number): Promise<number> {
    let count = 0;
    for (const [blobId, lastWrite] of [...this.pending]) {
      if (lastWrite >= olderThanMs) continue;
      this.pending.delete(blobId);
      count++;
    }
    return count;
  }

  async ping(): Promise<void> {}

  /** Stores a blob directly (test setup). */
  put(blobId: string, data: Buffer, writtenAt = this.now()): void {
    this.blobs.set(blobId, Buffer.from(data));
    this.writtenAt.set(blobId, writtenAt);
  }

  /** The stored bytes of a committed blob, or undefined. */
  get(blobId: string): Buffer | undefined {
    return this.blobs.get(blobId);
  }

  /** Flips bits of one stored byte (at-rest corruption or tampering). */
  corrupt(blobId: string, offset: number, mask = 0x01): void {
    const blob = this.blobs.get(blobId);
    if (!blob || offset >= blob.length) throw new Error(`cannot corrupt ${blobId} at ${offset}`);
    blob[offset] = (blob[offset] as number) ^ mask;
  }
}
