// GET /metrics: Prometheus text, only for addresses in SEALBIN_METRICS_ALLOW (default loopback).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { TrustedProxies } from '../../security/client-ip.js';
import type { AppContext } from '../context.js';
import { schemas } from '../schemas.js';

/** Headers a reverse proxy adds to name the client it relays. */
const RELAY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

export async function metricsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const allowed = new TrustedProxies(ctx.config.metricsAllow);
  // Operational data (traffic, failures, difficulty) is for the operator's scraper, not the internet.
  app.get('/metrics', { schema: schemas.metrics }, async (request, reply) => {
    if (!allowed.has(request.client.ip)) throw new AppError('FORBIDDEN', 'Metrics are not available to this address.');
    // Internet scrapes through an untrusted proxy (an Ingress in an allowed pod network): its peer
    // address says nothing about the client it relays, so a relayed request needs a trusted proxy.
    if (!request.client.viaTrustedProxy && RELAY_HEADERS.some((name) => request.headers[name] !== undefined)) {
      throw new AppError('FORBIDDEN', 'Metrics are not available through an untrusted proxy.');
    }
    // The difficulty lives in the counter backend: when that is down the scrape must still work (it is
    // when operators need it most), so the gauge reads NaN (unknown, as Prometheus spells it) instead of failing the scrape.
    try {
      ctx.metrics.powDifficulty.set(await ctx.abuse.flood.difficulty());
    } catch {
      ctx.metrics.powDifficulty.set(Number.NaN);
    }
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}

/** Observes a request's duration by route template (never the URL: ids and keys are secrets); from the app's onResponse hook. */
export function observeRequest(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): void {
  ctx.metrics.requestDuration.observe(
    { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: `${Math.floor(reply.statusCode / 100)}xx` },
    reply.elapsedTime / 1000,
  );
}
