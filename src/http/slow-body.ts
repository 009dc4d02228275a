// Slow-body (R.U.D.Y.) defence: an upload that delivers fewer than `minBytes` in any `windowMs`
// is cut off with 408, so dripping a byte every few seconds cannot hold a connection for an hour.
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { AppError } from '../core/errors.js';

export const SLOW_BODY = { windowMs: 30_000, minBytes: 1024 };

export class SlowBodyGuard extends Transform {
  private received = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(options: { windowMs: number; minBytes: number } = SLOW_BODY) {
    super({ highWaterMark: 256 * 1024 });
    this.timer = setInterval(() => {
      if (this.received < options.minBytes) this.destroy(new AppError('REQUEST_TIMEOUT', `The upload sent fewer than ${options.minBytes} bytes in ${options.windowMs / 1000} s.`));
      this.received = 0;
    }, options.windowMs);
    this.timer.unref();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    clearInterval(this.timer);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.timer);
    callback(error);
  }
}
