// Stream plumbing shared by the unit tests: feed a buffer in arbitrary pieces, collect what comes out.
import { Readable } from 'node:stream';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Splits `data` at the given positions (taken modulo length + 1, sorted, duplicates allowed). */
export function splitAt(data: Buffer, cuts: readonly number[]): Buffer[] {
  const points = cuts.map((cut) => cut % (data.length + 1)).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(data.subarray(from, point));
    from = point;
  }
  pieces.push(data.subarray(from));
  return pieces.filter((piece) => piece.length > 0);
}

/** Splits `data` into pieces of `size` bytes. */
export function pieces(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) out.push(data.subarray(at, at + size));
  return out;
}

/** Everything `stream` emits, or its error. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** What `stream` emitted before it ended or failed, and the failure if any. */
export async function drain(stream: Readable): Promise<{ data: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of stream) parts.push(part as Buffer);
    return { data: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { data: Buffer.concat(parts), error };
  }
}

/** Writes `input` piece by piece through `transform` and resolves with all of its output. */
export async function through(transform: Transform, input: readonly Buffer[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(Readable.from(input.map((piece) => Buffer.from(piece))), transform, async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) parts.push(part);
  });
  return Buffer.concat(parts);
}

/** Like `through`, but resolves with the error (or undefined) instead of rejecting. */
export async function failureOf(transform: Transform, input: readonly Buffer[]): Promise<unknown> {
  try {
    await through(transform, input);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Byte equality that stays fast for large buffers (deep equality walks them element by element). */
export function sameBytes(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && actual.equals(expected);
}
