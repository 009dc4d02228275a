// The early quota refusal for creations (POST / and /upload): after identity, rate limits and proof
// of work (so probing usage costs budget like any creation), before the body is parsed or read.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Creator } from '../core/item-service.js';
import type { AppContext } from './context.js';
import { declaredContentSize } from './create-body.js';

/** Whom a creation counts against: the certificate owner, else the client's address group. */
export function creatorOf(request: FastifyRequest): Creator {
  return { owner: request.identity?.owner ?? null, clientGroup: request.client.group };
}

/**
 * Disk filling by one client: a body that surely exceeds its quota (the item count is full, or the
 * declared raw size does not fit) is refused from the headers; the commit checks exactly either way.
 * Throwing hands the refusal to the scope's error hooks, which discard the unread body briefly.
 */
export function registerQuotaGate(scope: FastifyInstance, ctx: AppContext): void {
  scope.addHook('preParsing', async (request, _reply, payload) => {
    if (request.method === 'POST') await ctx.items.checkQuota(creatorOf(request), declaredContentSize(request));
    return payload;
  });
}
