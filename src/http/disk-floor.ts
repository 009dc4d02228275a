// The free-space floor at the door: every route in the create rate group (POST /, /upload, /s,
// PUT /{id}, /register) stores something, so while the disk is below SEALBIN_MIN_FREE_BYTES it
// answers 507 from the headers alone, before any body byte is read or spooled.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { AppContext } from './context.js';
import { lingerUnreadBody } from './create-body.js';
import { sendError } from './error-reply.js';
import { ANSWERED } from './request-pass.js';
import type { RequestStep } from './request-pass.js';

/** The declared body size, when the client sent a sane Content-Length (else 0: unknown). */
function declaredLength(value: string | undefined): number {
  return value !== undefined && /^[0-9]{1,15}$/.test(value) ? Number(value) : 0;
}

/** The floor; before the rate limits, so a refusal for space spends no budget or proof of work. */
export function diskFloorStep(ctx: AppContext): RequestStep {
  return (request, reply) => (request.routeOptions.config.rateGroup === 'create' ? admit(ctx, request, reply) : undefined);
}

async function admit(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<typeof ANSWERED | undefined> {
  try {
    // Disk exhaustion: uploads (anyone's, or a flood of them) must not take the space deletes and SQLite need.
    await ctx.disk.admit(declaredLength(request.headers['content-length']));
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // A disk filled by uploads must not be filled by this one: discard briefly, never drain it whole.
    if (!request.raw.complete) lingerUnreadBody(reply);
    sendError(request, reply, error);
    return ANSWERED;
  }
  return undefined;
}
