// dedup-window: the same content (SHA-256) stored more than DEDUP_MAX times within DEDUP_WINDOW is
// refused with DUPLICATE_CONTENT; the window is fixed (refusals do not extend it) and measured on
// the injected clock.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { DuplicateGuard } from '../../../src/security/dedup.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';

const MAX = 3;
const WINDOW = 3600;
const SPAM = createHash('sha256').update('buy cheap watches').digest('hex');
const OTHER = createHash('sha256').update('a different paste').digest('hex');

let clock: FakeClock;
let counters: MemoryCounterStore;
let guard: DuplicateGuard;

beforeEach(() => {
  clock = fakeClock();
  counters = new MemoryCounterStore(clock);
  guard = new DuplicateGuard({ max: MAX, windowSeconds: WINDOW }, counters);
});
afterEach(async () => {
  await counters.close();
});

async function refusal(hash = SPAM): Promise<AppError | null> {
  return guard.check(hash).then(
    () => null,
    (error: unknown) => {
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    },
  );
}

describe('dedup-window', () => {
  it('allows DEDUP_MAX uploads of one hash and refuses the next with 429 DUPLICATE_CONTENT', async () => {
    for (let i = 0; i < MAX; i++) expect(await refusal()).toBeNull();
    const error = await refusal();
    expect(error).toMatchObject({ code: 'DUPLICATE_CONTENT', status: 429 });
    expect(error?.extra['retry_after']).toBe(WINDOW);
  });

  it('keeps refusing within the window, with retry_after counting down to its end', async () => {
    for (let i = 0; i < MAX; i++) await refusal();
    clock.advance(1000);
    expect((await refusal())?.extra['retry_after']).toBe(WINDOW - 1000);
    clock.advance(WINDOW - 1000 - 1);
    expect((await refusal())?.extra['retry_after']).toBe(1);
  });

  it('allows the content again once the window is over, and counts a new window from there', async () => {
    for (let i = 0; i < MAX + 5; i++) await refusal();
    clock.advance(WINDOW);
    for (let i = 0; i < MAX; i++) expect(await refusal()).toBeNull();
    expect(await refusal()).not.toBeNull();
  });

  it('refused attempts do not extend the window (a fixed window from the first upload)', async () => {
    await refusal();
    clock.advance(WINDOW - 10);
    for (let i = 0; i < 20; i++) await refusal();
    clock.advance(10);
    expect(await refusal()).toBeNull();
  });

  it('counts each hash on its own: other content is unaffected', async () => {
    for (let i = 0; i < MAX + 1; i++) await refusal(SPAM);
    expect(await refusal(OTHER)).toBeNull();
  });

  it('uploads spread over the window still add up', async () => {
    for (let i = 0; i < MAX; i++) {
      expect(await refusal()).toBeNull();
      clock.advance(1000);
    }
    expect(await refusal()).not.toBeNull();
  });

  it('is off with max 0', async () => {
    const off = new DuplicateGuard({ max: 0, windowSeconds: WINDOW }, counters);
    for (let i = 0; i < 50; i++) await expect(off.check(SPAM)).resolves.toBeUndefined();
  });
});
