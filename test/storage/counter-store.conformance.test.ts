// One suite, every CounterStore adapter: the expiring counters behind brute-force blocks, the flood
// level, duplicate windows and single-use PoW tokens, and the rate limits. Time moves only through
// the adapter's fake clock, except for consume(), whose windows rate-limiter-flexible keeps on the
// real clock (a short window, polled).
import fc from 'fast-check';
import { beforeEach, expect, it } from 'vitest';
import type { CounterStore } from '../../src/storage/ports.js';
import type { FakeClock } from '../helpers/fake-clock.js';
import { conformance, counterAdapters } from './adapters.js';

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

conformance('CounterStore', counterAdapters, (current) => {
  let store: CounterStore;
  let clock: FakeClock;
  beforeEach(() => {
    ({ counters: store, clock } = current());
  });

  it('increment: creates the counter with the given lifetime and counts up by 1 or `by`', async () => {
    expect(await store.increment('k', 60)).toEqual({ value: 1, ttl: 60 });
    expect(await store.increment('k', 60)).toEqual({ value: 2, ttl: 60 });
    expect(await store.increment('k', 60, { by: 5 })).toEqual({ value: 7, ttl: 60 });
  });

  it('increment: a fixed window (dedup, brute force): later increments neither extend the lifetime nor change it to their ttl', async () => {
    await store.increment('k', 60);
    clock.advance(40);
    expect(await store.increment('k', 600)).toEqual({ value: 2, ttl: 20 });
    clock.advance(19);
    expect(await store.increment('k', 60)).toEqual({ value: 3, ttl: 1 });
  });

  it('increment: expires exactly at the end of its lifetime and then starts again from zero', async () => {
    await store.increment('k', 60, { by: 10 });
    clock.advance(59);
    expect(await store.get('k')).toEqual({ value: 10, ttl: 1 });
    clock.advance(1);
    expect(await store.get('k')).toBeNull();
    expect(await store.increment('k', 30)).toEqual({ value: 1, ttl: 30 });
  });

  it('increment with refresh (flood level): every increment sets the lifetime anew', async () => {
    await store.increment('k', 60, { refresh: true });
    clock.advance(50);
    expect(await store.increment('k', 60, { refresh: true })).toEqual({ value: 2, ttl: 60 });
    clock.advance(59);
    expect(await store.get('k')).toEqual({ value: 2, ttl: 1 });
    clock.advance(1);
    expect(await store.get('k')).toBeNull();
  });

  it('increment: concurrent increments are all counted', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => store.increment('race', 60)));
    expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
    expect(await store.get('race')).toEqual({ value: 50, ttl: 60 });
  });

  it('increment/get: keys are kept apart', async () => {
    await store.increment('a', 60, { by: 3 });
    expect(await store.increment('b', 60)).toEqual({ value: 1, ttl: 60 });
    expect(await store.get('a')).toEqual({ value: 3, ttl: 60 });
    expect(await store.get('c')).toBeNull();
  });

  it('get: null when absent, value and remaining lifetime when present, null once expired', async () => {
    expect(await store.get('k')).toBeNull();
    await store.put('k', 42, 100);
    clock.advance(30);
    expect(await store.get('k')).toEqual({ value: 42, ttl: 70 });
    clock.advance(70);
    expect(await store.get('k')).toBeNull();
  });

  it('put (brute-force block): replaces value and lifetime of an existing key, zero included', async () => {
    await store.increment('k', 10, { by: 5 });
    await store.put('k', 1, 1000);
    expect(await store.get('k')).toEqual({ value: 1, ttl: 1000 });
    clock.advance(500);
    await store.put('k', 0, 5);
    expect(await store.get('k')).toEqual({ value: 0, ttl: 5 });
  });

  it('claim (single-use PoW tokens): true for the first caller only, until the claim expires', async () => {
    expect(await store.claim('nonce', 600)).toBe(true);
    expect(await store.claim('nonce', 600)).toBe(false);
    clock.advance(599);
    expect(await store.claim('nonce', 600)).toBe(false);
    clock.advance(1);
    expect(await store.claim('nonce', 600)).toBe(true);
  });

  it('claim: exactly one of many concurrent callers wins (a token replayed in parallel)', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => store.claim('race', 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('claim: fails on a key that exists for another reason (counter or put)', async () => {
    await store.increment('k', 60);
    expect(await store.claim('k', 60)).toBe(false);
    await store.put('p', 0, 60);
    expect(await store.claim('p', 60)).toBe(false);
  });

  it('increment/get/put/claim behave like a map of expiring entries for any sequence of operations (model-based)', async () => {
    type Op = { kind: 'inc'; key: string; ttl: number; by: number; refresh: boolean } | { kind: 'put'; key: string; ttl: number; value: number } | { kind: 'claim'; key: string; ttl: number } | { kind: 'get'; key: string } | { kind: 'tick'; seconds: number };
    const key = fc.constantFrom('a', 'b', 'c');
    const ttl = fc.integer({ min: 1, max: 20 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('inc' as const), key, ttl, by: fc.integer({ min: 1, max: 3 }), refresh: fc.boolean() }),
      fc.record({ kind: fc.constant('put' as const), key, ttl, value: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('claim' as const), key, ttl }),
      fc.record({ kind: fc.constant('get' as const), key }),
      fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 0, max: 15 }) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        // One store for every run: each run has its own keys, and the clock only moves forward.
        const prefix = `run${run++}:`;
        const model = new Map<string, { value: number; expiresAt: number }>();
        const live = (k: string) => {
          const entry = model.get(k);
          return entry && entry.expiresAt > clock.now() ? entry : undefined;
        };
        for (const o of ops) {
          const now = clock.now();
          if (o.kind === 'tick') clock.advance(o.seconds);
          else if (o.kind === 'inc') {
            const entry = live(o.key) ?? { value: 0, expiresAt: now + o.ttl };
            entry.value += o.by;
            if (o.refresh) entry.expiresAt = now + o.ttl;
            model.set(o.key, entry);
            expect(await store.increment(prefix + o.key, o.ttl, { by: o.by, refresh: o.refresh })).toEqual({ value: entry.value, ttl: entry.expiresAt - now });
          } else if (o.kind === 'put') {
            model.set(o.key, { value: o.value, expiresAt: now + o.ttl });
            await store.put(prefix + o.key, o.value, o.ttl);
          } else if (o.kind === 'claim') {
            const free = live(o.key) === undefined;
            if (free) model.set(o.key, { value: 1, expiresAt: now + o.ttl });
            expect(await store.claim(prefix + o.key, o.ttl)).toBe(free);
          } else {
            const entry = live(o.key);
            expect(await store.get(prefix + o.key)).toEqual(entry ? { value: entry.value, ttl: entry.expiresAt - now } : null);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('consume: allows exactly `limit` calls per window, counting remaining down to 0, then refuses', async () => {
    const decisions = [];
    for (let i = 0; i < 7; i++) decisions.push(await store.consume('rl:read', 'ip:198.51.100.7', 5, 60));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    for (const decision of decisions) {
      expect(decision.limit).toBe(5);
      expect(decision.resetIn).toBeGreaterThanOrEqual(1);
      expect(decision.resetIn).toBeLessThanOrEqual(60);
    }
  });

  it('consume: 100 parallel calls against a limit of 10 allow exactly 10', async () => {
    const decisions = await Promise.all(Array.from({ length: 100 }, () => store.consume('rl:read', 'ip:203.0.113.9', 10, 60)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(new Set(decisions.filter((d) => d.allowed).map((d) => d.remaining))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  });

  it('consume: keys and buckets are kept apart', async () => {
    for (let i = 0; i < 3; i++) await store.consume('rl:read', 'ip:a', 3, 60);
    expect((await store.consume('rl:read', 'ip:a', 3, 60)).allowed).toBe(false);
    expect((await store.consume('rl:read', 'ip:b', 3, 60)).allowed).toBe(true);
    expect((await store.consume('rl:create', 'ip:a', 3, 60)).allowed).toBe(true);
  });

  it('consume: the window resets after `windowSeconds`, and a refusal says when', async () => {
    // Sent together, so both fall in one 1 s window however slow the machine is.
    const both = await Promise.all([store.consume('rl:short', 'ip:c', 1, 1), store.consume('rl:short', 'ip:c', 1, 1)]);
    expect(both.map((result) => result.allowed).sort()).toEqual([false, true]);
    const refused = both.find((result) => !result.allowed);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, resetIn: 1 });
    // Polled on the real clock (margin for a busy machine); a window that never reset would fail here.
    expect(await eventually(async () => (await store.consume('rl:short', 'ip:c', 1, 1)).allowed, 5000)).toBe(true);
  });

  it('refund: gives back one consumed point (a refused proof of work), in its own bucket and key only', async () => {
    for (let i = 0; i < 3; i++) await store.consume('rl:create', 'ip:r', 3, 60);
    expect(await store.refund('rl:create', 'ip:r', 3, 60)).toBe(1);
    const again = await store.consume('rl:create', 'ip:r', 3, 60);
    expect(again).toMatchObject({ allowed: true, remaining: 0 });
    expect((await store.consume('rl:create', 'ip:r', 3, 60)).allowed).toBe(false);
    // A refund in another bucket or for another key gives nothing here.
    await store.refund('rl:read', 'ip:r', 3, 60);
    await store.refund('rl:create', 'ip:other', 3, 60);
    expect((await store.consume('rl:create', 'ip:r', 3, 60)).allowed).toBe(false);
  });

  it('refund: concurrent consume/refund pairs leave the budget whole', async () => {
    await Promise.all(Array.from({ length: 20 }, async () => {
      await store.consume('rl:create', 'ip:pairs', 5, 60);
      await store.refund('rl:create', 'ip:pairs', 5, 60);
    }));
    expect((await store.consume('rl:create', 'ip:pairs', 5, 60)).remaining).toBe(4);
  });

  it('ping resolves on a usable store', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
