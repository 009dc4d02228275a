// Download counts survive a failed write: the batch is kept and written by the next flush.
import { describe, expect, it } from 'vitest';
import { DownloadTally } from '../../../src/core/download-tally.js';
import type { MetadataStore } from '../../../src/storage/ports.js';

/** A store whose addDownloads fails while `down` is set, and records what it was given otherwise. */
function flakyStore() {
  const written = new Map<string, number>();
  const state = { down: true, calls: 0 };
  const store = {
    addDownloads: async (counts: ReadonlyMap<string, number>) => {
      state.calls++;
      if (state.down) throw new Error('connection terminated');
      for (const [id, n] of counts) written.set(id, (written.get(id) ?? 0) + n);
    },
  } as unknown as MetadataStore;
  return { store, written, state };
}

describe('DownloadTally', () => {
  it('keeps a batch whose write failed and writes it, with later counts, on the next flush', async () => {
    const { store, written, state } = flakyStore();
    const errors: unknown[] = [];
    const tally = new DownloadTally(store, (error) => errors.push(error), 3_600_000);
    tally.count('a');
    tally.count('a');
    tally.count('b');
    await tally.flush();
    expect(errors).toHaveLength(1);
    expect(written.size).toBe(0);
    // Still counted while unwritten, so a status read shows the true number.
    expect(tally.unflushed('a')).toBe(2);
    tally.count('a');
    state.down = false;
    await tally.flush();
    expect(Object.fromEntries(written)).toEqual({ a: 3, b: 1 });
    expect(tally.unflushed('a')).toBe(0);
    await tally.close();
    expect(state.calls).toBe(2);
  });
});
