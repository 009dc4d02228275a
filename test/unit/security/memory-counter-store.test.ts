// The in-memory CounterStore: expiring counters on the injected clock (increment, get, claim, put),
// and exact rate limits via rate-limiter-flexible (ratelimit-parallel at the store level).
import fc from 'fast-check';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decide, MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';

let clock: FakeClock;
let store: MemoryCounterStore;

beforeEach(() => {
  clock = fakeClock();
  store = new MemoryCounterStore(clock);
});
afterEach(async () => {
  await store.close();
});

describe('MemoryCounterStore.increment', () => {
  it('creates a counter with the given lifetime and counts up', async () => {
    expect(await store.increment('k', 60)).toEqual({ value: 1, ttl: 60 });
    expect(await store.increment('k', 60)).toEqual({ value: 2, ttl: 60 });
    expect(await store.increment('k', 60, { by: 5 })).toEqual({ value: 7, ttl: 60 });
  });

  it('is a fixed window: later increments neither extend the lifetime nor change it to their ttl', async () => {
    await store.increment('k', 60);
    clock.advance(40);
    expect(await store.increment('k', 600)).toEqual({ value: 2, ttl: 20 });
    clock.advance(19);
    expect(await store.increment('k', 60)).toEqual({ value: 3, ttl: 1 });
  });

  it('expires exactly at the end of its lifetime and then starts again from zero', async () => {
    await store.increment('k', 60, { by: 10 });
    clock.advance(60);
    expect(await store.get('k')).toBeNull();
    expect(await store.increment('k', 30)).toEqual({ value: 1, ttl: 30 });
  });

  it('refresh: sets the lifetime anew on every increment', async () => {
    await store.increment('k', 60, { refresh: true });
    clock.advance(50);
    expect(await store.increment('k', 60, { refresh: true })).toEqual({ value: 2, ttl: 60 });
    clock.advance(59);
    expect(await store.get('k')).toEqual({ value: 2, ttl: 1 });
    clock.advance(1);
    expect(await store.get('k')).toBeNull();
  });

  it('keeps keys apart', async () => {
    await store.increment('a', 60, { by: 3 });
    expect(await store.increment('b', 60)).toEqual({ value: 1, ttl: 60 });
    expect(await store.get('a')).toEqual({ value: 3, ttl: 60 });
  });
});

describe('MemoryCounterStore.get / put / claim', () => {
  it('get: null when absent, value and remaining lifetime when present, null once expired', async () => {
    expect(await store.get('k')).toBeNull();
    await store.put('k', 42, 100);
    clock.advance(30);
    expect(await store.get('k')).toEqual({ value: 42, ttl: 70 });
    clock.advance(70);
    expect(await store.get('k')).toBeNull();
  });

  it('put replaces value and lifetime of an existing key', async () => {
    await store.increment('k', 10, { by: 5 });
    await store.put('k', 1, 1000);
    expect(await store.get('k')).toEqual({ value: 1, ttl: 1000 });
    clock.advance(500);
    await store.put('k', 9, 5);
    expect(await store.get('k')).toEqual({ value: 9, ttl: 5 });
  });

  it('claim: true for the first caller only, until the claim expires', async () => {
    expect(await store.claim('nonce', 600)).toBe(true);
    expect(await store.claim('nonce', 600)).toBe(false);
    clock.advance(599);
    expect(await store.claim('nonce', 600)).toBe(false);
    clock.advance(1);
    expect(await store.claim('nonce', 600)).toBe(true);
  });

  it('claim: exactly one of many concurrent callers wins', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => store.claim('race', 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('claim fails on a key that exists for another reason (counter or put)', async () => {
    await store.increment('k', 60);
    expect(await store.claim('k', 60)).toBe(false);
    await store.put('p', 0, 60);
    expect(await store.claim('p', 60)).toBe(false);
  });

  it('close forgets everything', async () => {
    await store.put('k', 1, 60);
    await store.close();
    expect(await store.get('k')).toBeNull();
  });

  it('behaves like a map of expiring entries for any sequence of operations (model-based property)', async () => {
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
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const local = fakeClock();
        const subject = new MemoryCounterStore(local);
        const model = new Map<string, { value: number; expiresAt: number }>();
        const live = (k: string) => {
          const entry = model.get(k);
          return entry && entry.expiresAt > local.now() ? entry : undefined;
        };
        try {
          for (const o of ops) {
            const now = local.now();
            if (o.kind === 'tick') local.advance(o.seconds);
            else if (o.kind === 'inc') {
              const entry = live(o.key) ?? { value: 0, expiresAt: now + o.ttl };
              entry.value += o.by;
              if (o.refresh) entry.expiresAt = now + o.ttl;
              model.set(o.key, entry);
              expect(await subject.increment(o.key, o.ttl, { by: o.by, refresh: o.refresh })).toEqual({ value: entry.value, ttl: entry.expiresAt - now });
            } else if (o.kind === 'put') {
              model.set(o.key, { value: o.value, expiresAt: now + o.ttl });
              await subject.put(o.key, o.value, o.ttl);
            } else if (o.kind === 'claim') {
              const free = live(o.key) === undefined;
              if (free) model.set(o.key, { value: 1, expiresAt: now + o.ttl });
              expect(await subject.claim(o.key, o.ttl)).toBe(free);
            } else {
              const entry = live(o.key);
              expect(await subject.get(o.key)).toEqual(entry ? { value: entry.value, ttl: entry.expiresAt - now } : null);
            }
          }
        } finally {
          await subject.close();
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('MemoryCounterStore.consume (ratelimit-parallel at the store)', () => {
  it('allows exactly `limit` calls per window, counting remaining down to 0, then refuses', async () => {
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

  it('100 parallel calls against a limit of 10: exactly 10 allowed, 90 refused', async () => {
    const decisions = await Promise.all(Array.from({ length: 100 }, () => store.consume('rl:read', 'ip:203.0.113.9', 10, 60)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(90);
    expect(new Set(decisions.filter((d) => d.allowed).map((d) => d.remaining))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  });

  it('keeps keys and buckets apart', async () => {
    for (let i = 0; i < 3; i++) await store.consume('rl:read', 'ip:a', 3, 60);
    expect((await store.consume('rl:read', 'ip:a', 3, 60)).allowed).toBe(false);
    expect((await store.consume('rl:read', 'ip:b', 3, 60)).allowed).toBe(true);
    expect((await store.consume('rl:create', 'ip:a', 3, 60)).allowed).toBe(true);
  });
});

describe('decide', () => {
  it('maps a resolved consume to allowed, with resetIn in whole seconds (at least 1)', async () => {
    const res = new RateLimiterRes(3, 1500, 2, false);
    expect(await decide(5, async () => res)).toEqual({ allowed: true, limit: 5, remaining: 3, resetIn: 2 });
    expect(await decide(5, async () => new RateLimiterRes(0, 0, 5, false))).toEqual({ allowed: true, limit: 5, remaining: 0, resetIn: 1 });
  });

  it('maps a rejected RateLimiterRes to refused with remaining 0', async () => {
    expect(
      await decide(5, async () => {
        throw new RateLimiterRes(0, 42_100, 6, false);
      }),
    ).toEqual({ allowed: false, limit: 5, remaining: 0, resetIn: 43 });
  });

  it('lets backend errors propagate (so callers can fail closed)', async () => {
    const boom = new Error('ECONNREFUSED');
    await expect(
      decide(5, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });
});
