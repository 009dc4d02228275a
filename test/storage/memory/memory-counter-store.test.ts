// What only the in-memory CounterStore does; the port's behaviour is in ../counter-store.conformance.test.ts.
import { RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { decide, MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';

describe('MemoryCounterStore.close', () => {
  it('forgets everything', async () => {
    const store = new MemoryCounterStore(fakeClock());
    await store.put('k', 1, 60);
    await store.close();
    expect(await store.get('k')).toBeNull();
  });
});

describe('MemoryCounterStore memory bound', () => {
  it('past 500 000 keys (e.g. rotating IPv6 /64s) the oldest entry goes first, so memory stays bounded', async () => {
    const store = new MemoryCounterStore(fakeClock());
    for (let n = 0; n < 500_000; n++) await store.put(`k${n}`, n, 3600);
    expect(await store.get('k0')).toEqual({ value: 0, ttl: 3600 });
    await store.put('one-more', 1, 3600);
    expect(await store.get('k0')).toBeNull();
    expect(await store.get('k1')).toEqual({ value: 1, ttl: 3600 });
    expect(await store.get('one-more')).toEqual({ value: 1, ttl: 3600 });
    await store.increment('k1', 3600);
    expect(await store.get('k2')).toEqual({ value: 2, ttl: 3600 });
    await store.close();
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
