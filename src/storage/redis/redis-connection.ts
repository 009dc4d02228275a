// One ioredis connection set up to fail fast and heal by itself: while Redis is unreachable every
// command is refused at once (the request answers 503 instead of hanging), and the client keeps
// reconnecting with a capped backoff, so service resumes without a restart when Redis is back.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactUrl } from '../redact-url.js';

/** Longest wait for a TCP connection, and for one command on a connection that stopped answering. */
const CONNECT_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 2000;
/** Reconnect delays grow to this and stay there, for as long as the outage lasts. */
const MAX_RECONNECT_DELAY_MS = 2000;

/** The reconnect delay after `attempt` failures: 100 ms, 200 ms, ... capped; never gives up. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS);
}

/**
 * Connects to `url` and waits (at most the connect timeout) for the first connection. When Redis is
 * down at start the server still starts: counters fail closed until the client connects.
 * @example const redis = await openRedis('redis://127.0.0.1:6379', logger)
 */
export async function openRedis(url: string, logger: Logger): Promise<Redis> {
  const where = redactUrl(url);
  const redis = new Redis(url, {
    // Queued commands would hold requests for the whole outage: refuse them instead (fail closed, fast).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    lazyConnect: true,
  });
  // One warning per outage, not one per failed reconnect (without an 'error' listener ioredis would
  // print each). A drop shows as 'reconnecting' even when no reconnect attempt fails.
  let down = false;
  const lost = (reason: string): void => {
    if (down) return;
    down = true;
    logger.warn({ redis: where, reason }, 'redis unreachable; reconnecting');
  };
  redis.on('error', (error: Error) => lost(error.message));
  redis.on('reconnecting', () => lost('connection lost'));
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ redis: where }, 'redis reachable again');
  });
  try {
    await redis.connect();
    logger.info({ redis: where }, 'shared counters in redis');
  } catch (error) {
    // connect() rejects on the first failure; the retry strategy goes on reconnecting in the background.
    lost((error as Error).message);
  }
  return redis;
}
