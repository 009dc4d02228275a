// One JSON line per request. The route template is logged, never the URL: ids and diceware keys in
// paths are bearer secrets, and delete tokens or PoW solutions in headers are never logged at all.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Writes the line; called from the app's one onResponse hook. */
export function logAccess(request: FastifyRequest, reply: FastifyReply, logIps: boolean): void {
  request.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      // Client IPs are personal data: logged only when the operator opts in.
      ...(logIps ? { ip: request.ip } : {}),
    },
    'request',
  );
}
