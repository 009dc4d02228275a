// Self-registration: anyone who solves a (harder) proof of work gets a non-admin client certificate.
import type { FastifyInstance } from 'fastify';
import { registerRequestJson } from '../../api/pki.js';
import { AppError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { actorOf } from '../identity.js';
import { schemas } from '../schemas.js';

export async function registerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/register/challenge', { schema: schemas.registerChallenge, config: { rateGroup: 'read' } }, async () => {
    const challenge = ctx.abuse.pow.issue('register', ctx.config.registerDifficulty);
    if (challenge.enabled) ctx.metrics.powIssued.inc({ purpose: 'register' });
    return challenge;
  });

  // Mass registration: each certificate costs a register-purpose proof of work (checked from the headers).
  app.post('/register', { schema: schemas.register, config: { rateGroup: 'create', pow: 'register' } }, async (request, reply) => {
    const parsed = registerRequestJson.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('INVALID_REQUEST', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const issued = await ctx.pki.issue({ commonName: parsed.data.common_name, days: 365, admin: false, csr: parsed.data.csr }, actorOf(request), request.id, 'registered');
    return reply.code(201).send(issued);
  });
}
