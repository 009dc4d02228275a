import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * JSON lines to stdout (pretty-printed only for a human at a terminal). Secrets that could ride along
 * in logged objects are redacted by path.
 */
export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  return pino({
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard', ignore: 'pid,hostname,service' } } } : {}),
    level,
    base: { service: 'sealbin' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      // Some plugins log whole header objects at debug/trace (e.g. multipart's busboy options).
      paths: ['busboyOptions.headers', 'headers["x-delete-token"]', 'headers["x-pow-token"]', 'headers["x-pow-solution"]', 'headers["x-proxy-secret"]', 'headers["x-ssl-client-cert"]', 'headers.authorization', 'headers.cookie', 'req.headers["x-ssl-client-cert"]', 'req.headers["x-delete-token"]', 'req.headers["x-pow-token"]', 'req.headers["x-pow-solution"]', 'req.headers["x-proxy-secret"]', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  });
}
