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
  it('does not crash the process when the guard fires with nobody listening', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const source = new PassThrough();
      const guarded = translateErrors(source, (error) => error);
      source.write(Buffer.alloc(600 * 1024));
      // Nobody reads `guarded`; two windows pass with nothing new arriving: the guard fires.
      vi.advanceTimersByTime(70_000);
      expect(guarded.errored).toMatchObject({ code: 'REQUEST_TIMEOUT' });
      // 'error' is emitted on the next tick and 'close' right after it; an unhandled 'error' would
      // throw there (an uncaught exception) and 'close' would never come.
      const closed = new Promise((resolve) => guarded.once('close', () => resolve('closed')));
      vi.useRealTimers();
      const deadline = new Promise((resolve) => setTimeout(() => resolve('no close within 2 s'), 2000).unref());
      expect(await Promise.race([closed, deadline])).toBe('closed');
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
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
