// GET /challenge: a proof-of-work challenge at the current (flood-adjusted) difficulty.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { PowPurpose } from '../../security/pow.js';
import type { AppContext } from '../context.js';
import { schemas } from '../schemas.js';

/** Purposes a public challenge may be for; registration has its own endpoint and difficulty. */
const PUBLIC_PURPOSES: readonly PowPurpose[] = ['paste', 'short'];

export async function challengeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/challenge', { schema: schemas.challenge, config: { rateGroup: 'read' } }, async (request: FastifyRequest<{ Querystring: { purpose?: string } }>) => {
    const purpose = (request.query.purpose ?? 'paste') as PowPurpose;
    if (!PUBLIC_PURPOSES.includes(purpose)) throw new AppError('INVALID_REQUEST', 'purpose must be "paste" or "short".');
    const challenge = ctx.abuse.pow.issue(purpose, await ctx.abuse.flood.difficulty());
    if (challenge.enabled) ctx.metrics.powIssued.inc({ purpose });
    return challenge;
  });
}
