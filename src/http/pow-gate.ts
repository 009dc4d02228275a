// The proof-of-work gate of creation and registration routes (route config `pow`), run as an
// onRequest hook: from the headers alone, before any body byte is read or parsed, so an unsolved
// request costs the server one HMAC and one hash whatever it sends (8 MiB of nested JSON included).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { PowPurpose } from '../security/pow.js';
import type { AppContext } from './context.js';
import { lingerUnreadBody } from './create-body.js';
import { sendError } from './error-reply.js';
import { refundRate, specFor } from './limits.js';
import { ANSWERED } from './request-pass.js';
import type { RequestStep } from './request-pass.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route needs a solved challenge of that purpose (creations may exempt certificate holders). */
    pow?: PowPurpose;
  }
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  if (Array.isArray(value)) throw new AppError('INVALID_REQUEST', `${name} must be given once.`);
  return value;
}

/** The difficulty this request must meet: 0 when none is needed. */
async function requiredDifficulty(ctx: AppContext, request: FastifyRequest, purpose: PowPurpose): Promise<number> {
  if (purpose === 'register') return ctx.config.registerDifficulty;
  // Spam without accounts: creations cost a solved challenge; certificate holders may be exempt.
  if (request.identity && !ctx.config.powForAuthenticated) return 0;
  return ctx.abuse.flood.difficulty();
}

/**
 * Verifies a proof of work and counts the outcome (a missing one is not a failed solution). A
 * refused proof gives back the create-budget unit the request took: a client retrying after a
 * stale or mistyped token must not lose its hourly creations to the attempts (the refusal costs
 * the server one hash, so it needs no budget of its own).
 */
async function verifyCounted(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, purpose: PowPurpose, difficulty: number): Promise<void> {
  try {
    const token = singleHeader(request, 'X-PoW-Token');
    const solution = singleHeader(request, 'X-PoW-Solution');
    if (token === undefined && solution === undefined && purpose === 'register') {
      throw new AppError('POW_REQUIRED', 'Registration needs a proof of work: solve GET /register/challenge and send X-PoW-Token and X-PoW-Solution.');
    }
    await ctx.abuse.pow.verify(purpose, token, solution, difficulty);
    ctx.metrics.powVerified.inc({ result: 'solved' });
  } catch (error) {
    if (error instanceof AppError && error.code === 'POW_INVALID') ctx.metrics.powVerified.inc({ result: 'failed' });
    if (error instanceof AppError && (error.code === 'POW_INVALID' || error.code === 'POW_REQUIRED')) await refundRate(ctx.abuse, specFor(ctx.config, 'create'), 'create', request, reply);
    throw error;
  }
}

/** The gate; it must come after the rate-limit step (a refusal refunds what that took). */
export function powGateStep(ctx: AppContext): RequestStep {
  return (request, reply) => {
    const purpose = request.routeOptions.config.pow;
    return purpose ? gate(ctx, request, reply, purpose) : undefined;
  };
}

async function gate(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, purpose: PowPurpose): Promise<typeof ANSWERED | undefined> {
  try {
    const difficulty = await requiredDifficulty(ctx, request, purpose);
    if (difficulty > 0) await verifyCounted(ctx, request, reply, purpose, difficulty);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // The refused request's body is not read: discard briefly, never drain it whole.
    if (!request.raw.complete) lingerUnreadBody(reply);
    sendError(request, reply, error);
    return ANSWERED;
  }
  return undefined;
}
