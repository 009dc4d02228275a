// What only the in-memory CounterStore does; the port's behaviour is in ../counter-store.conformance.test.ts.
import { RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { ProofOfWork, solve } from '../../../src/security/pow.js';
import { failClosed } from '../../../src/security/fail-closed.js';
import { CounterStoreFullError, decide, MAX_ENTRIES, MemoryCounterStore } from '../../../src/storage/memory/memory-counter-store.js';
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

describe('MemoryCounterStore never evicts an unexpired single-use claim (PoW replay)', () => {
  it('a claimed key stays claimed while 500 000 counters push past the bound, and memory stays bounded', async () => {
    const clock = fakeClock();
    const store = new MemoryCounterStore(clock);
    expect(await store.claim('pow:used:first', 600)).toBe(true);
    for (let n = 0; n < 1000; n++) expect(await store.claim(`pow:used:c${n}`, 600)).toBe(true);
    for (let n = 0; n < MAX_ENTRIES; n++) await store.put(`k${n}`, n, 3600);
    expect(store.size).toBe(MAX_ENTRIES);
    // The replay: the oldest record of all is the first claim; it must still refuse a second use.
    expect(await store.claim('pow:used:first', 600)).toBe(false);
    expect(await store.claim('pow:used:c999', 600)).toBe(false);
    // The counters made room for each other instead: the oldest ones went.
    expect(await store.get('k0')).toBeNull();
    expect(await store.get(`k${MAX_ENTRIES - 1}`)).toEqual({ value: MAX_ENTRIES - 1, ttl: 3600 });
    // A new claim in a full store evicts a counter, never a claim.
    expect(await store.claim('pow:used:new', 600)).toBe(true);
    expect(store.size).toBe(MAX_ENTRIES);
    expect(await store.claim('pow:used:first', 600)).toBe(false);
    await store.close();
  });

  it('full of unexpired claims, it refuses new records (fail closed) and takes them again once claims expire', async () => {
    const clock = fakeClock();
    const store = new MemoryCounterStore(clock, 100);
    for (let n = 0; n < 100; n++) expect(await store.claim(`pow:used:${n}`, 60)).toBe(true);
    await expect(store.claim('pow:used:late', 60)).rejects.toBeInstanceOf(CounterStoreFullError);
    await expect(store.put('counter', 1, 60)).rejects.toBeInstanceOf(CounterStoreFullError);
    expect(store.size).toBe(100);
    for (let n = 0; n < 100; n++) expect(await store.claim(`pow:used:${n}`, 60)).toBe(false);
    clock.advance(60);
    // Expired claims are swept before anything is refused.
    expect(await store.claim('pow:used:late', 60)).toBe(true);
    expect(await store.put('counter', 1, 60)).toBeUndefined();
    expect(store.size).toBe(2);
    await store.close();
  });

  it('a full store of claims makes the PoW check answer 503 BACKEND_UNAVAILABLE, not accept the token', async () => {
    const clock = fakeClock();
    const memory = new MemoryCounterStore(clock, 10);
    for (let n = 0; n < 10; n++) await memory.claim(`pow:used:x${n}`, 600);
    const counters = failClosed(memory, () => undefined);
    const pow = new ProofOfWork(Buffer.alloc(32, 7), counters, clock);
    const challenge = pow.issue('create', 4);
    const solution = solve(challenge.nonce as string, 4);
    await expect(pow.verify('create', challenge.token as string, solution, 4)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 503 });
    await memory.close();
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
