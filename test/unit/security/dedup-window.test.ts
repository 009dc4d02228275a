// dedup-window: the same content (SHA-256) stored more than DEDUP_MAX times within DEDUP_WINDOW is
// refused with DUPLICATE_CONTENT; the window is fixed (refusals do not extend it) and measured on
// the injected clock.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { DuplicateGuard } from '../../../src/security/dedup.js';
import { MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';

const MAX = 3;
const WINDOW = 3600;
const SPAM = createHash('sha256').update('buy cheap watches').digest('hex');
const OTHER = createHash('sha256').update('a different paste').digest('hex');
const KEY = Buffer.alloc(32, 3);

let clock: FakeClock;
let counters: MemoryCounterStore;
let guard: DuplicateGuard;

beforeEach(() => {
  clock = fakeClock();
  counters = new MemoryCounterStore(clock);
  guard = new DuplicateGuard({ max: MAX, windowSeconds: WINDOW, scope: 'global' }, counters, KEY);
});
afterEach(async () => {
  await counters.close();
});

async function refusal(hash = SPAM, client = 'ip:198.51.100.7'): Promise<AppError | null> {
  return guard.check(hash, client).then(
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
    const off = new DuplicateGuard({ max: 0, windowSeconds: WINDOW, scope: 'global' }, counters, KEY);
    for (let i = 0; i < 50; i++) await expect(off.check(SPAM, 'ip:x')).resolves.toBeUndefined();
  });

  it('client scope: each client has its own count; global scope: everyone shares one', async () => {
    const perClient = new DuplicateGuard({ max: MAX, windowSeconds: WINDOW, scope: 'client' }, counters, KEY);
    for (let i = 0; i < MAX; i++) await perClient.check(SPAM, 'ip:victim');
    await expect(perClient.check(SPAM, 'ip:victim')).rejects.toMatchObject({ code: 'DUPLICATE_CONTENT' });
    // The victim's uploads tell another client nothing, and do not block the content for it.
    await expect(perClient.check(SPAM, 'ip:prober')).resolves.toBeUndefined();
    for (let i = 0; i < MAX; i++) expect(await refusal(OTHER, `ip:c${i}`)).toBeNull();
    expect(await refusal(OTHER, 'ip:someone-else')).not.toBeNull();
  });

  it('keeps no plaintext digest in the counter store: keys hold a keyed digest only', async () => {
    const spy = vi.spyOn(counters, 'increment');
    await guard.check(SPAM, 'ip:x');
    const key = spy.mock.calls[0]?.[0] ?? '';
    expect(key).not.toContain(SPAM);
    expect(key).not.toContain(Buffer.from(SPAM, 'hex').toString('base64url'));
    // Another server key gives another digest: nothing to precompute across installations.
    const other = new DuplicateGuard({ max: MAX, windowSeconds: WINDOW, scope: 'global' }, counters, Buffer.alloc(32, 7));
    await other.check(SPAM, 'ip:x');
    expect(spy.mock.calls[1]?.[0]).not.toBe(key);
  });
});
