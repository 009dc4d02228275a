// A window on a byte stream: drop the first `skip` bytes, pass the next `take`, then stop the source
// (a resumed upload re-seals from a chunk boundary and sends one PATCH's worth; reading the rest of
// a large file only to throw it away would waste the time the resume saves).
import { Readable } from 'node:stream';
import { CliError } from './errors.js';

export function byteWindow(source: Readable, skip: number, take: number): Readable {
  async function* window(): AsyncGenerator<Buffer> {
    let toSkip = skip;
    let left = take;
    try {
      if (left <= 0) return;
      for await (const part of source) {
        let chunk = part as Buffer;
        if (toSkip > 0) {
          const dropped = Math.min(toSkip, chunk.length);
          chunk = chunk.subarray(dropped);
          toSkip -= dropped;
        }
        if (chunk.length === 0) continue;
        if (chunk.length >= left) {
          yield chunk.subarray(0, left);
          left = 0;
          return;
        }
        yield chunk;
        left -= chunk.length;
      }
      // A file that shrank since it was measured: sending less than announced would only be cut off.
      throw new CliError(`the input ended ${left} bytes early: did the file change during the upload?`);
    } finally {
      source.destroy();
    }
  }
  return Readable.from(window(), { objectMode: false, highWaterMark: 256 * 1024 });
}
