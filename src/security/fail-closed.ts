// Fail closed: if the shared counter backend cannot answer, limited endpoints refuse (503) rather
// than run unlimited. Every CounterStore call from the request path goes through this wrapper.
import { AppError } from '../core/errors.js';
import type { CounterStore } from '../storage/ports.js';

export function failClosed(store: CounterStore, onError: (error: unknown) => void): CounterStore {
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof AppError) throw error;
      onError(error);
      throw new AppError('BACKEND_UNAVAILABLE');
    }
  };
  return {
    increment: (key, ttl, options) => guard(() => store.increment(key, ttl, options)),
    get: (key) => guard(() => store.get(key)),
    claim: (key, ttl) => guard(() => store.claim(key, ttl)),
    put: (key, value, ttl) => guard(() => store.put(key, value, ttl)),
    consume: (bucket, key, limit, window) => guard(() => store.consume(bucket, key, limit, window)),
    refund: (bucket, key, limit, window) => guard(() => store.refund(bucket, key, limit, window)),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
