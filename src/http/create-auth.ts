// SEALBIN_CREATE_REQUIRES_AUTH: on a private instance every creation needs a client certificate. The
// gate keys on the route config that marks creations (`pow: 'create'`: POST /, /upload, /s, and any
// creation route added later such as /tus), so a new creation route is covered without code here.
// PUT /{id} needs an owner anyway; /register (`pow: 'register'`) stays open, as it is how one gets a certificate.
import type { Config } from '../config.js';
import { AppError } from '../core/errors.js';
import { lingerUnreadBody } from './create-body.js';
import { sendError } from './error-reply.js';
import { ANSWERED } from './request-pass.js';
import type { RequestStep } from './request-pass.js';

export const CREATE_AUTH_MESSAGE = 'This server accepts new items only from registered clients: present a client certificate (fpaste register).';

/**
 * The gate, or null when creations are open to all. It runs right after identity and before the disk
 * floor, rate limits and proof of work, from the headers alone: an anonymous creation costs no body
 * read, no budget and no PoW token.
 */
export function createAuthStep(config: Config): RequestStep | null {
  if (!config.createRequiresAuth) return null;
  return (request, reply) => {
    if (request.routeOptions.config.pow !== 'create' || request.identity !== null) return undefined;
    // Anonymous uploads on a private instance: refused before a byte of the body is read or stored.
    if (!request.raw.complete) lingerUnreadBody(reply);
    sendError(request, reply, new AppError('AUTH_REQUIRED', CREATE_AUTH_MESSAGE));
    return ANSWERED;
  };
}
