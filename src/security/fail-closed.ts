// Fail closed: if the shared counter backend cannot answer, limited endpoints refuse (503) rather
// than run unlimited. Every CounterStore call from the request path goes through this wrapper.
import { AppError } from '../core/errors.js';
import type { CounterStore } from '../storage/ports.js';

/** The rate-limit bucket of GET /health (src/http/limits.ts names buckets `rl:<group>`). */
const HEALTH_BUCKET = 'rl:health';

export interface FailClosedOptions {
  /**
   * A per-instance store that keeps the /health rate limit while the shared one is unreachable, so
   * /health can still name the failed backend instead of answering BACKEND_UNAVAILABLE itself.
   */
  healthFallback?: CounterStore;
  /** Told once when the backend answers again after an outage. */
  onRecovery?: () => void;
}

/**
 * @param onError told of the first failure of an outage only (one log line per outage, not per request)
 * @example failClosed(redisCounters, (error) => logger.error({ err: error }, 'counter backend failed'))
 */
export function failClosed(store: CounterStore, onError: (error: unknown) => void, options: FailClosedOptions = {}): CounterStore {
  let down = false;
  const failed = (error: unknown): void => {
    if (down) return;
    down = true;
    onError(error);
  };
  const guard = async <T>(run: () => Promise<T>, fallback?: () => Promise<T>): Promise<T> => {
    let result: T;
    try {
      result = await run();
    } catch (error) {
      if (error instanceof AppError) throw error;
      failed(error);
      if (fallback) return fallback();
      throw new AppError('BACKEND_UNAVAILABLE');
    }
    if (down) {
      down = false;
      options.onRecovery?.();
    }
    return result;
  };
  // Only the health budget may degrade to per-instance counting: /health reveals nothing and changes
  // nothing, so N instances each allowing the budget costs at most N cheap probes per client; every
  // other limit (creations, lookups, PoW, dedup, brute force) refuses rather than count per instance.
  const health = (bucket: string) => (bucket === HEALTH_BUCKET ? options.healthFallback : undefined);
  return {
    increment: (key, ttl, opts) => guard(() => store.increment(key, ttl, opts)),
    get: (key) => guard(() => store.get(key)),
    claim: (key, ttl) => guard(() => store.claim(key, ttl)),
    put: (key, value, ttl) => guard(() => store.put(key, value, ttl)),
    consume: (bucket, key, limit, window) => {
      const local = health(bucket);
      return guard(() => store.consume(bucket, key, limit, window), local && (() => local.consume(bucket, key, limit, window)));
    },
    refund: (bucket, key, limit, window) => {
      const local = health(bucket);
      return guard(() => store.refund(bucket, key, limit, window), local && (() => local.refund(bucket, key, limit, window)));
    },
    ping: () => store.ping(),
    close: async () => {
      await store.close();
      await options.healthFallback?.close();
    },
  };
}
