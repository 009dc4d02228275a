// The JSON parser of every route outside the creation scope (/s, /register, /pki/*): Fastify's
// own (which refuses __proto__ and constructor keys), behind the nesting bound.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

export const TOO_DEEP = `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`;

export function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // Event-loop stall by deep nesting: refused by a flat scan before the recursive parser runs.
    if (exceedsJsonDepth(body as string)) return done(new AppError('INVALID_JSON', TOO_DEEP), undefined);
    parseJson(request, body as string, done);
  });
}
