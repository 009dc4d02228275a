// One JSON line per request. The route template is logged, never the URL: ids and diceware keys in
// paths are bearer secrets, and delete tokens or PoW solutions in headers are never logged at all.
import type { FastifyInstance } from 'fastify';

export function registerAccessLog(app: FastifyInstance, logIps: boolean): void {
  app.addHook('onResponse', async (request, reply) => {
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
  });
}
