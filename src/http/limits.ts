// Per-route abuse hooks, driven by route config: `rateGroup` (create/read/health budgets per client)
// and `bruteAction` (failed lookups counted per client and action, then blocked).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../core/errors.js';
import type { AbuseControls } from '../security/abuse-controls.js';
import type { RateSpec } from '../security/rate-spec.js';
import { lingerUnreadBody } from './create-body.js';
import { sendError } from './error-reply.js';
import { ANSWERED } from './request-pass.js';
import type { RequestStep } from './request-pass.js';

export type RateGroup = 'create' | 'read' | 'health';

declare module 'fastify' {
  interface FastifyContextConfig {
    rateGroup?: RateGroup;
    bruteAction?: string;
  }
}

/** Whom limits count: the certificate owner when authenticated, else the address group. */
export function limitKey(request: FastifyRequest): string {
  return request.identity ? `owner:${request.identity.owner}` : `ip:${request.client.group}`;
}

/**
 * Consumes one unit of the group's budget and sets the X-RateLimit headers; throws RATE_LIMITED
 * (with Retry-After) when spent. Exported for handlers outside route config (the 404 handler).
 */
export async function enforceRate(controls: AbuseControls, spec: RateSpec | null, group: RateGroup, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!spec) return;
  const decision = await controls.counters.consume(`rl:${group}`, limitKey(request), spec.limit, spec.windowSeconds);
  reply.header('x-ratelimit-limit', String(decision.limit));
  reply.header('x-ratelimit-remaining', String(decision.remaining));
  reply.header('x-ratelimit-reset', String(decision.resetIn));
  if (!decision.allowed) {
    controls.onRateLimited?.(group);
    reply.header('retry-after', String(decision.resetIn));
    throw new AppError('RATE_LIMITED', undefined, { retry_after: decision.resetIn });
  }
}

/**
 * Gives back the unit `enforceRate` took, for a request refused for a reason that must not cost
 * budget (a wrong or missing proof of work), and corrects X-RateLimit-Remaining.
 */
export async function refundRate(controls: AbuseControls, spec: RateSpec | null, group: RateGroup, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!spec) return;
  const remaining = await controls.counters.refund(`rl:${group}`, limitKey(request), spec.limit, spec.windowSeconds);
  reply.header('x-ratelimit-remaining', String(remaining));
}

export function specFor(config: Config, group: RateGroup): RateSpec | null {
  return group === 'create' ? config.rateCreate : group === 'read' ? config.rateRead : config.rateHealth;
}

async function enforceLimits(config: Config, controls: AbuseControls, request: FastifyRequest, reply: FastifyReply): Promise<typeof ANSWERED | undefined> {
  const { rateGroup, bruteAction } = request.routeOptions.config;
  try {
    if (bruteAction && controls.brute.enabled) await controls.brute.check(bruteAction, limitKey(request));
    if (rateGroup) await enforceRate(controls, specFor(config, rateGroup), rateGroup, request, reply);
  } catch (error) {
    if (error instanceof AppError && error.code === 'BLOCKED') reply.header('retry-after', String(error.extra['retry_after']));
    if (error instanceof AppError) {
      // A refused upload's body is not read: discard briefly, never drain it whole.
      if (!request.raw.complete) lingerUnreadBody(reply);
      sendError(request, reply, error);
      return ANSWERED;
    }
    throw error;
  }
  return undefined;
}

/**
 * The limits step (rate budgets, brute-force blocks; nothing to wait for on a route or setting that
 * has neither), and the onSend hook that counts failed lookups.
 */
export function limitsStep(app: FastifyInstance, config: Config, controls: AbuseControls): RequestStep {
  // Guessing ids or keys shows up as 404s on lookup routes: count them per client and action,
  // before the 404 leaves, so a sequential guesser meets the block on its very next request.
  app.addHook('onSend', (request, reply, payload, done) => {
    const action = request.routeOptions.config.bruteAction;
    if (!action || reply.statusCode !== 404 || !controls.brute.enabled) {
      done(null, payload);
      return;
    }
    controls.brute
      .fail(action, limitKey(request))
      .catch((error: unknown) => request.log.error({ err: error }, 'counting a failed lookup failed'))
      .then(() => done(null, payload), done);
  });
  return (request, reply) => {
    const { rateGroup, bruteAction } = request.routeOptions.config;
    const limited = (rateGroup !== undefined && specFor(config, rateGroup) !== null) || (bruteAction !== undefined && controls.brute.enabled);
    return limited ? enforceLimits(config, controls, request, reply) : undefined;
  };
}
