// A body nobody consumes (its request was refused first) must never crash the process when the
// slow-body guard fires, and must stop being watched when its source goes away.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { translateErrors } from '../../../src/http/create-body.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('an unconsumed upload body', () => {
  it('does not throw when the guard fires with nobody listening', () => {
    const source = new PassThrough();
    const guarded = translateErrors(source, (error) => error);
    source.write(Buffer.alloc(600 * 1024));
    // Nobody reads `guarded`; two windows pass with nothing new arriving.
    expect(() => vi.advanceTimersByTime(70_000)).not.toThrow();
    expect(guarded.destroyed).toBe(true);
  });

  it('is released when its source closes without ending', async () => {
    vi.useRealTimers();
    const source = new PassThrough();
    const guarded = translateErrors(source, (error) => error);
    source.write(Buffer.alloc(10));
    const closed = new Promise((resolve) => guarded.once('close', resolve));
    source.destroy();
    await closed;
    expect(guarded.destroyed).toBe(true);
  });

  it('is left alone when its source ended normally', async () => {
    vi.useRealTimers();
    const source = new PassThrough();
    const guarded = translateErrors(source, (error) => error);
    source.end(Buffer.from('complete body'));
    const chunks: Buffer[] = [];
    for await (const chunk of guarded) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('complete body');
  });
});
