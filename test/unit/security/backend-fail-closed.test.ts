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
});
