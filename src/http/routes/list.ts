// GET /pastes: an authenticated client's own items (admin: everyone's with all=1), newest first,
// filtered by type glob and creation time, paged with an opaque keyset cursor.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { isMimeGlob } from '../../security/mime-policy.js';
import type { AppContext } from '../context.js';
import { requireIdentity } from '../identity.js';
import { schemas } from '../schemas.js';
import { baseUrl } from '../urls.js';
import { itemView } from '../views.js';

type ListQuery = { type?: string; after?: string; before?: string; limit?: string; cursor?: string; all?: string };

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

function unixSeconds(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  if (!/^[0-9]{1,12}$/.test(value)) throw new AppError('INVALID_REQUEST', `${name} must be a Unix time in seconds.`);
  return Number(value);
}

/** "image/*" -> "image/%"; "*" or "*\/*" -> no filter. Globs are validated first, so no LIKE metacharacters get in. */
export function typePattern(glob: string | undefined): string | null {
  if (glob === undefined || glob === '*' || glob === '*/*') return null;
  if (!isMimeGlob(glob)) throw new AppError('INVALID_REQUEST', 'type must be a MIME type or glob such as image/*.');
  return glob.toLowerCase().replace(/\*$/, '%');
}

export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { createdAt: number; id: string } | null {
  if (cursor === undefined) return null;
  const match = /^([0-9]{1,12}):([0-9a-f]{32})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError('INVALID_REQUEST', 'cursor is not one this server returned.');
  return { createdAt: Number(match[1]), id: match[2] as string };
}

export async function listRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/pastes', { schema: schemas.listPastes, config: { rateGroup: 'read' } }, async (request: FastifyRequest<{ Querystring: ListQuery }>) => {
    const caller = requireIdentity(request);
    const query = request.query;
    const all = query.all === '1' || query.all === 'true';
    // Cross-tenant listing is an admin power only.
    if (all && !caller.admin) throw new AppError('FORBIDDEN', 'Only admins may list every owner\'s items.');
    let limit = DEFAULT_LIMIT;
    if (query.limit !== undefined) {
      if (!/^[0-9]{1,4}$/.test(query.limit) || Number(query.limit) < 1) throw new AppError('INVALID_REQUEST', `limit must be 1..${MAX_LIMIT}.`);
      limit = Math.min(Number(query.limit), MAX_LIMIT);
    }
    const items = await ctx.items.list({
      owner: all ? null : caller.owner,
      typePattern: typePattern(query.type),
      after: unixSeconds(query.after, 'after'),
      before: unixSeconds(query.before, 'before'),
      limit: limit + 1,
      cursor: decodeCursor(query.cursor),
    });
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    const base = baseUrl(ctx.config, request);
    return { pastes: page.map((item) => itemView(item, base)), next_cursor: items.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
  });
}
