import { pino } from 'pino';
import type { Logger } from 'pino';

/** JSON logs to stdout. Secrets that could ride along in error objects are redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
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
