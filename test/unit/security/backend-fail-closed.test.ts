// backend-fail-closed (unit): every CounterStore call on the request path goes through failClosed;
// a backend failure becomes BACKEND_UNAVAILABLE (503), never a silent "allowed".
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { failClosed } from '../../../src/security/fail-closed.js';
import type { CounterStore } from '../../../src/storage/ports.js';

function broken(error: unknown = new Error('connect ECONNREFUSED 127.0.0.1:6379')): CounterStore {
  const fail = async () => {
    throw error;
  };
  return { increment: fail, get: fail, claim: fail, put: fail, consume: fail, refund: fail, ping: fail, close: async () => undefined };
}

describe('backend-fail-closed: failClosed', () => {
  it.each([
    ['increment', (s: CounterStore) => s.increment('k', 1)],
    ['get', (s: CounterStore) => s.get('k')],
    ['claim', (s: CounterStore) => s.claim('k', 1)],
    ['put', (s: CounterStore) => s.put('k', 1, 1)],
    ['consume', (s: CounterStore) => s.consume('rl:read', 'ip:x', 10, 60)],
    ['refund', (s: CounterStore) => s.refund('rl:create', 'ip:x', 10, 60)],
  ])('%s: a backend error becomes 503 BACKEND_UNAVAILABLE and is reported once', async (_name, call) => {
    const onError = vi.fn();
    const cause = new Error('connect ECONNREFUSED');
    const error = await call(failClosed(broken(cause), onError)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 503 });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(cause);
  });

  it('turns non-Error rejections (strings, undefined) into BACKEND_UNAVAILABLE too', async () => {
    for (const thrown of ['timeout', undefined, 42]) {
      await expect(failClosed(broken(thrown), () => undefined).consume('b', 'k', 1, 1)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    }
  });

  it('passes decisions (AppErrors) through unchanged and unreported', async () => {
    const onError = vi.fn();
    const blocked = new AppError('BLOCKED', undefined, { retry_after: 5 });
    await expect(failClosed(broken(blocked), onError).get('k')).rejects.toBe(blocked);
    expect(onError).not.toHaveBeenCalled();
  });

  it('passes results through when the backend works', async () => {
    const store: CounterStore = {
      increment: async () => ({ value: 3, ttl: 9 }),
      get: async () => null,
      claim: async () => true,
      put: async () => undefined,
      consume: async (_b, _k, limit) => ({ allowed: false, limit, remaining: 0, resetIn: 7 }),
      refund: async (_b, _k, limit) => limit - 1,
      ping: async () => undefined,
      close: async () => undefined,
    };
    const wrapped = failClosed(store, () => undefined);
    expect(await wrapped.increment('k', 9)).toEqual({ value: 3, ttl: 9 });
    expect(await wrapped.get('k')).toBeNull();
    expect(await wrapped.claim('k', 9)).toBe(true);
    expect(await wrapped.consume('b', 'k', 4, 60)).toEqual({ allowed: false, limit: 4, remaining: 0, resetIn: 7 });
    expect(await wrapped.refund('b', 'k', 4, 60)).toBe(3);
  });

  it('reports an outage once, however many calls fail, and tells of the recovery once', async () => {
    let down = true;
    const flaky: CounterStore = {
      ...broken(),
      get: async () => {
        if (down) throw new Error('connect ECONNREFUSED');
        return null;
      },
    };
    const onError = vi.fn();
    const onRecovery = vi.fn();
    const wrapped = failClosed(flaky, onError, { onRecovery });
    for (let n = 0; n < 5; n++) await expect(wrapped.get('k')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(onError).toHaveBeenCalledTimes(1);
    down = false;
    await wrapped.get('k');
    await wrapped.get('k');
    expect(onRecovery).toHaveBeenCalledTimes(1);
    down = true;
    await expect(wrapped.get('k')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(onError).toHaveBeenCalledTimes(2);
  });

  it('keeps only the /health budget on the per-instance fallback; every other bucket still refuses', async () => {
    const fallback: CounterStore = { ...broken(), consume: async (_b, _k, limit) => ({ allowed: true, limit, remaining: limit - 1, resetIn: 1 }), refund: async (_b, _k, limit) => limit };
    const wrapped = failClosed(broken(), () => undefined, { healthFallback: fallback });
    expect(await wrapped.consume('rl:health', 'ip:x', 5, 1)).toMatchObject({ allowed: true, remaining: 4 });
    expect(await wrapped.refund('rl:health', 'ip:x', 5, 1)).toBe(5);
    for (const bucket of ['rl:read', 'rl:create']) await expect(wrapped.consume(bucket, 'ip:x', 5, 1)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(wrapped.get('bf:block:paste:ip:x')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
  it('lets /health\'s ping see the backend\'s own error, unreported (the probe names the failed backend)', async () => {
    const onError = vi.fn();
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    await expect(failClosed(broken(cause), onError).ping()).rejects.toBe(cause);
    expect(onError).not.toHaveBeenCalled();
  });

  it('closes the shared store and the per-instance /health fallback', async () => {
    const closed: string[] = [];
    const store: CounterStore = { ...broken(), close: async () => void closed.push('shared') };
    const fallback: CounterStore = { ...broken(), close: async () => void closed.push('fallback') };
    await failClosed(store, () => undefined, { healthFallback: fallback }).close();
    expect(closed).toEqual(['shared', 'fallback']);
    closed.length = 0;
    await failClosed(store, () => undefined).close();
    expect(closed).toEqual(['shared']);
  });
});
