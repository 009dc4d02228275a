// The flood level counts creations after they committed: by then the item is durable, so a counter
// backend that fails at that moment must not turn the creation into an error the client retries
// (a retry would store the content twice, and the first copy's id and delete token would be lost).
import type { FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';

/** Counts one committed creation toward the flood level; a failure is logged, never answered. */
export async function recordCreation(ctx: AppContext, request: FastifyRequest): Promise<void> {
  try {
    await ctx.abuse.flood.recordCreation();
  } catch (error) {
    request.log.warn({ err: error }, 'a committed creation was not counted toward the flood level');
  }
}
