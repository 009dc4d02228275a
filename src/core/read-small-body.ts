// A small upload read whole, for the in-memory create path (item-service.ts): one buffer instead of
// a four-stream pipeline for a body that fits in one socket read anyway.
import type { Readable } from 'node:stream';
import { tooLarge } from './content-inspector.js';
import { AppError } from './errors.js';

/**
 * The body's bytes, `declared` of them expected. More than `maxSize` fail with TOO_LARGE, and more
 * than declared with INVALID_REQUEST, at the first byte over: memory filling, a size hint that lied
 * cannot make this hold more than it said. A body that errors or closes early fails as it would in a
 * pipeline (the async iterator destroys the body on any early exit).
 */
export async function readSmallBody(body: Readable, declared: number, maxSize: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const part = chunk as Buffer;
    size += part.length;
    if (size > maxSize) throw tooLarge(maxSize);
    if (size > declared) throw new AppError('INVALID_REQUEST', `The body is longer than the ${declared} bytes it declared.`);
    parts.push(part);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
}
