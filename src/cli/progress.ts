// Progress on stderr, only when stderr is a terminal (logs and pipes get nothing): a spinner for
// proof-of-work solving once it has taken over a second, and bars for transfers of a few MB or more.
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { SingleBar } from 'cli-progress';

/** Transfers smaller than this finish before a bar would be worth drawing. */
export const BAR_THRESHOLD = 4 * 1024 * 1024;
const SPINNER_DELAY_MS = 1000;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

let quiet = false;

/** --quiet: no progress output at all. */
export function setQuiet(value: boolean): void {
  quiet = value;
}

export function progressEnabled(): boolean {
  return !quiet && process.stderr.isTTY === true && process.env['FPASTE_PROGRESS'] !== '0';
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

/** A spinner that appears only if the work is still going after a second. */
export function startSpinner(initial: string): Spinner {
  if (!progressEnabled()) return { update: () => undefined, stop: () => undefined };
  let text = initial;
  let frame = 0;
  let shown = false;
  const draw = () => {
    shown = true;
    process.stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`);
  };
  let interval: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    interval = setInterval(draw, 100);
  }, SPINNER_DELAY_MS);
  return {
    update: (next) => {
      text = next;
    },
    stop: () => {
      clearTimeout(delay);
      if (interval) clearInterval(interval);
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}

/**
 * A transfer bar that may span several requests (a resumable upload sends many PATCHes and may
 * start part-way): `start` bytes count as done from the beginning; the speed counts this run only.
 */
export class TransferBar {
  private bar: SingleBar | null = null;
  private readonly started = Date.now();
  private done: number;

  constructor(
    label: string,
    total: number | undefined,
    private readonly start = 0,
  ) {
    this.done = start;
    if (total !== undefined && total >= BAR_THRESHOLD && progressEnabled()) {
      this.bar = new SingleBar({
        stream: process.stderr,
        format: `${label} [{bar}] {percentage}% | {done} of {size} | {speed}`,
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        fps: 8,
      });
      this.bar.start(total, start, { done: formatBytes(start), size: formatBytes(total), speed: '' });
    }
  }

  /** Sets the bytes done (they may go back: a resumed upload restarts at the server's offset). */
  update(done: number): void {
    this.done = done;
    if (!this.bar) return;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    this.bar.update(done, { done: formatBytes(done), speed: `${formatBytes(Math.max(0, done - this.start) / seconds)}/s` });
  }

  get bytes(): number {
    return this.done;
  }

  /** Removes the bar (call before printing anything else on stderr, and at the end). */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** Counts bytes flowing through and drives a bar (when enabled and `total` is large enough). */
export class ProgressTap extends Transform {
  private readonly bar: TransferBar;
  private readonly owned: boolean;
  private done = 0;

  /** @param bar an existing bar to advance from `start` (resumable uploads), else a bar of its own */
  constructor(label: string, total: number | undefined, options: { bar?: TransferBar; start?: number } = {}) {
    super();
    this.bar = options.bar ?? new TransferBar(label, total);
    this.done = options.start ?? 0;
    this.owned = options.bar === undefined;
  }

  get bytes(): number {
    return this.done;
  }

  private finish(): void {
    if (this.owned) this.bar.stop();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.done += chunk.length;
    this.bar.update(this.done);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.finish();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.finish();
    callback(error);
  }
}
