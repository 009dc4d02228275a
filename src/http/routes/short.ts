// URL shortener: POST /s, GET /s, GET /s/{id} (302), GET /s/{id}/info, DELETE /s/{id}.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { shortenJsonBody } from '../../api/short-links.js';
import type { ShortLinkJson } from '../../api/short-links.js';
import { AppError } from '../../core/errors.js';
import type { SelfNames } from '../../core/self-link.js';
import type { ShortLinkRecord } from '../../storage/ports.js';
import type { AppContext } from '../context.js';
import { recordCreation } from '../record-creation.js';
import { requireIdentity } from '../identity.js';
import { parseMaxDownloads } from '../create-options.js';
import { isPreviewAgent } from '../preview-agents.js';
import { schemas } from '../schemas.js';
import { baseUrl } from '../urls.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const BODY_LIMIT = 8 * 1024;
const LOOKUP = { rateGroup: 'read', bruteAction: 'short' } as const;
const LINK_NOTICE = 'This short link redirects a limited number of times, and link previews do not spend them. Open it yourself.\n';
const SHORTEN_TYPES = 'POST /s reads JSON {"url": "..."} (Content-Type: application/json) or the URL as text (Content-Type: text/plain).';

function linkView(link: ShortLinkRecord, base: string): ShortLinkJson {
  return { id: link.id, short_url: `${base}/s/${link.id}`, target: link.target, created_at: link.createdAt, expires_at: link.expiresAt, clicks_remaining: link.clicksRemaining, owner: link.owner };
}

/** Every name this server answers to: the public URL, the request's Host (direct or forwarded), the listen address. */
function selfNames(ctx: AppContext, request: FastifyRequest, base: string): SelfNames {
  const hosts = [new URL(base).host, request.headers.host ?? '', ctx.config.host];
  if (ctx.config.publicUrl) hosts.push(new URL(ctx.config.publicUrl).host);
  return { hosts, pathPrefix: ctx.config.urlPrefix };
}

/** The URL from {"url": "..."} or a plain-text body (one trailing newline allowed, as `echo` adds). */
function targetFrom(body: unknown): string {
  if (typeof body === 'string') return body.replace(/\r?\n$/, '');
  const parsed = shortenJsonBody.safeParse(body);
  if (parsed.success) return parsed.data.url;
  throw new AppError('INVALID_URL', 'Send {"url": "..."} as JSON or the URL as the text body.');
}

export async function shortRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    // Only JSON and text/plain are read. A form post (urlencoded or multipart) is what a cross-site
    // HTML form can send without a preflight, and guessing at other types invites confusion about
    // what was shortened: both are refused (only ever 8 KiB is read). No Content-Type at all
    // (a hand-written request; browsers always send one) is read as text.
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (request, body, done) => {
      if (request.headers['content-type'] === undefined) return done(null, body);
      done(new AppError('UNSUPPORTED_MEDIA_TYPE', SHORTEN_TYPES), undefined);
    });
    scope.post('/s', { schema: schemas.createShort, config: { rateGroup: 'create', pow: 'create' }, bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const owner = request.identity?.owner ?? null;
      const expiry = request.headers['x-expiry'];
      if (Array.isArray(expiry)) throw new AppError('INVALID_EXPIRY');
      // X-Max-Downloads on a link counts redirects (the link is what is "downloaded").
      const maxClicks = parseMaxDownloads(request.headers['x-max-downloads']) ?? null;
      const base = baseUrl(ctx.config, request);
      const link = await ctx.links.create(targetFrom(request.body), owner, expiry, selfNames(ctx, request, base), maxClicks);
      await recordCreation(ctx, request);
      ctx.metrics.itemsCreated.inc({ kind: 'short' });
      const view = linkView(link, base);
      return reply.code(201).header('location', view.short_url).send(view);
    });
  });

  app.get('/s', { schema: schemas.listShort, config: { rateGroup: 'read' } }, async (request) => {
    const caller = requireIdentity(request);
    const base = baseUrl(ctx.config, request);
    return { links: (await ctx.links.list(caller.owner)).map((link) => ({ ...linkView(link, base), clicks: link.clicks })) };
  });

  app.get('/s/:id', { schema: schemas.redirectShort, config: LOOKUP }, async (request: IdRequest, reply) => {
    // A chat app unfurling a limited link would spend one of its redirects: a known preview agent gets
    // a notice instead (no Location, nothing counted). Unlimited links redirect bots as anyone.
    if (isPreviewAgent(request.headers['user-agent']) && (await ctx.links.get(request.params.id)).clicksRemaining !== null) {
      return reply.code(200).type('text/plain; charset=utf-8').send(LINK_NOTICE);
    }
    const link = await ctx.links.click(request.params.id);
    // The stored target is the parser's own serialisation: it cannot split the header.
    return reply.code(302).header('location', link.target).send();
  });

  app.get('/s/:id/info', { schema: schemas.infoShort, config: LOOKUP }, async (request: IdRequest) => {
    const link = await ctx.links.get(request.params.id);
    return { id: link.id, target: link.target, clicks: link.clicks, clicks_remaining: link.clicksRemaining, created_at: link.createdAt, expires_at: link.expiresAt };
  });

  app.delete('/s/:id', { schema: schemas.deleteShort, config: LOOKUP }, async (request: IdRequest, reply) => {
    await ctx.links.delete(request.params.id, request.identity);
    return reply.code(204).send();
  });
}
