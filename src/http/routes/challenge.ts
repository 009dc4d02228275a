// GET /challenge: a proof-of-work challenge at the current (flood-adjusted) difficulty.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { schemas } from '../schemas.js';

/**
 * Accepted for `?purpose=` (older clients send "paste" or "short"); each gives the one creation
 * token. Registration is not among them: it has its own endpoint and difficulty.
 */
const CREATION_ALIASES: readonly string[] = ['create', 'paste', 'short'];

export async function challengeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/challenge', { schema: schemas.challenge, config: { rateGroup: 'read' } }, async (request: FastifyRequest<{ Querystring: { purpose?: string } }>) => {
    const asked = request.query.purpose;
    if (asked !== undefined && !CREATION_ALIASES.includes(asked)) throw new AppError('INVALID_REQUEST', 'purpose, when given, must be "create" (registration has GET /register/challenge).');
    const challenge = ctx.abuse.pow.issue('create', await ctx.abuse.flood.difficulty());
    if (challenge.enabled) ctx.metrics.powIssued.inc({ purpose: 'create' });
    return challenge;
  });
}
