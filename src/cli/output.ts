// Where downloaded content goes: a file written atomically (a temp file renamed only once every
// byte arrived and verified, so a wrong key or a cut connection never leaves a half-written file),
// or stdout (refusing binary content on a terminal unless --force).
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { sanitizeFilename } from '../core/filename.js';
import { CliError } from './errors.js';

const pendingFiles = new Set<string>();

/** Temp files still being written: removed if fpaste is interrupted. */
export function removePendingFiles(): void {
  for (const path of pendingFiles) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
  pendingFiles.clear();
}

export interface Output {
  stream: Writable;
  /** Makes the content visible (rename into place); call only after everything verified. */
  commit(): Promise<void>;
  /** Throws the partial content away. */
  abort(): void;
  /** Where it went, for messages. */
  label: string;
  /** Changes the final path before commit (e.g. to a name found in encrypted metadata). */
  retarget?(path: string): void;
}

/** "name.txt" → "name (1).txt", "name (2).txt" ... : the first path that does not exist yet. */
export function freePath(path: string): string {
  if (!existsSync(path)) return path;
  const dir = dirname(path);
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; n < 1000; n++) {
    const candidate = join(dir, `${stem} (${n})${ext}`);
    if (!existsSync(candidate)) return candidate;
  }
  throw new CliError(`too many files named like ${path}`);
}

/**
 * A file written through a temp file in the same directory. `existing`: what happens to a file
 * already at the target when committing: "overwrite" (an explicit -o, like curl) or "keep" (a name
 * chosen by the sender: the content goes to "name (1)" instead, so nothing is clobbered and a
 * burn-after-read item that was already fetched is not lost either).
 */
export function fileOutput(path: string, options: { existing: 'overwrite' | 'keep'; mode?: number }): Output {
  let target = path;
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
  pendingFiles.add(temp);
  let stream: Writable;
  try {
    stream = createWriteStream(temp, { flags: 'wx', mode: options.mode ?? 0o644 });
  } catch (error) {
    pendingFiles.delete(temp);
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
  let finished = false;
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', (error: Error) => reject(new CliError(`cannot write ${target}: ${error.message}`)));
  });
  closed.catch(() => undefined);
  const output: Output = {
    stream,
    label: path,
    retarget: (next) => {
      target = next;
      output.label = next;
    },
    commit: async () => {
      await closed;
      if (options.existing === 'keep') {
        target = freePath(target);
        output.label = target;
      }
      renameSync(temp, target);
      pendingFiles.delete(temp);
      finished = true;
    },
    abort: () => {
      if (finished) return;
      stream.destroy();
      try {
        unlinkSync(temp);
      } catch {
        // Never created, or already removed.
      }
      pendingFiles.delete(temp);
    },
  };
  return output;
}

export function stdoutOutput(): Output {
  // stdout is never ended by the pipeline: other output (messages) may follow, and Node owns it.
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (process.stdout.write(chunk)) callback();
      else process.stdout.once('drain', () => callback());
    },
  });
  return { stream, label: 'stdout', commit: async () => undefined, abort: () => undefined };
}

/** Looks like binary: a NUL byte, or bytes that are not UTF-8 (ignoring a character cut at the end). */
export function looksBinary(head: Buffer, complete: boolean): boolean {
  if (head.includes(0)) return true;
  if (isUtf8(head)) return false;
  if (complete) return true;
  for (let cut = 1; cut <= 3 && cut < head.length; cut++) if (isUtf8(head.subarray(0, head.length - cut))) return false;
  return true;
}

/**
 * Holds back the first 8 KiB to decide whether the content is binary; if it is and `refuse` is set,
 * fails before anything reached the terminal (binary output can reprogram a terminal emulator).
 */
export class BinaryGate extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  private open = false;

  constructor(private readonly refuse: boolean) {
    super();
  }

  private decide(complete: boolean): Error | null {
    const head = Buffer.concat(this.head, this.headLength);
    this.head = [];
    this.open = true;
    if (this.refuse && looksBinary(head, complete)) return new CliError('refusing to write binary content to a terminal: use -o FILE, a pipe, or --force');
    if (head.length > 0) this.push(head);
    return null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.open) return callback(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    callback(this.headLength >= 8192 ? this.decide(false) : null);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.open ? null : this.decide(true));
  }
}

/**
 * A file name from the server or from encrypted metadata, made safe to create in the current
 * directory: no path (traversal), no control characters, no leading dot (hidden/special files).
 */
/**
 * A received name (from the server's Content-Disposition or inside a sender's encryption) made
 * safe to write: the server's own sanitiser, so both drop exactly the same things (path parts,
 * C0/C1 controls, bidi overrides that disguise "exe" as "pdf", hidden-file dots); `fallback`
 * when nothing usable is left.
 */
export function safeFilename(name: string | undefined | null, fallback: string): string {
  return sanitizeFilename(name) ?? fallback;
}

/** Writes a secret (private key) that must never be readable by others; refuses to overwrite. */
export function writePrivateFile(path: string, data: string | Buffer, overwrite: boolean): void {
  if (!overwrite && existsSync(path)) throw new CliError(`${path} already exists (use --force to replace it)`);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  closeSync(fd);
  writeFileSync(temp, data, { mode: 0o600 });
  renameSync(temp, path);
}
