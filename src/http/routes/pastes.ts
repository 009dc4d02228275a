// Pastes: POST /, GET|HEAD /{id}, GET|HEAD /{id}/raw, PUT /{id}, DELETE /{id}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { ItemKind } from '../../storage/ports.js';
import type { AppContext } from '../context.js';
import { serveContent } from '../content-reply.js';
import { declaredTooLarge, readCreateBody, refuseTooLarge, registerCreateParsers } from '../create-body.js';
import { sendError } from '../error-reply.js';
import { baseUrl } from '../urls.js';
import { itemView } from '../views.js';
import { schemas } from '../schemas.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function parseBurnHeader(value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'string') throw new AppError('INVALID_REQUEST', 'X-Burn-After-Read must be given once.');
  const normal = value.trim().toLowerCase();
  if (normal === '1' || normal === 'true') return true;
  if (normal === '0' || normal === 'false') return false;
  throw new AppError('INVALID_REQUEST', 'X-Burn-After-Read must be 1, true, 0 or false.');
}

function singleHeader(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) throw new AppError('INVALID_REQUEST', `${name} must be given once.`);
  return value;
}

/** Shared by POST / and POST /upload: parses headers and body, stores, answers 201. */
export async function handleCreate(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, kind: ItemKind): Promise<FastifyReply> {
  const expiry = singleHeader(request.headers['x-expiry'], 'X-Expiry');
  const burnAfterRead = parseBurnHeader(request.headers['x-burn-after-read']);
  const body = await readCreateBody(request, ctx.config.maxSize);
  let created;
  try {
    created = await ctx.items.create({ body: body.stream, claimedType: body.claimedType, filename: body.filename, expiry, burnAfterRead, kind, owner: null });
  } catch (error) {
    // A body we stopped reading must not be drained: close the connection after answering.
    if (error instanceof AppError && error.code === 'TOO_LARGE') refuseTooLarge(reply);
    throw error;
  }
  const base = baseUrl(ctx.config, request);
  const view = itemView(created.record, base);
  const payload: Record<string, unknown> = { ...view, delete_token: created.deleteToken ?? undefined };
  if (created.key !== null) {
    payload['key'] = created.key;
    payload['download_url'] = `${base}/download/${created.key}`;
  }
  return reply.code(201).header('location', view.url).send(payload);
}

/** The creation scope: stream-friendly parsers and the early Content-Length refusal. */
export async function creationScope(app: FastifyInstance, ctx: AppContext, register: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    registerCreateParsers(scope, ctx.config.maxSize);
    await scope.register(import('@fastify/multipart'), { throwFileSizeLimit: true });
    scope.addHook('onRequest', async (request, reply) => {
      if (request.method === 'POST' || request.method === 'PUT') {
        if (declaredTooLarge(request, ctx.config.maxSize)) {
          refuseTooLarge(reply);
          return sendError(request, reply, new AppError('TOO_LARGE', `The content is larger than ${ctx.config.maxSize} bytes.`));
        }
      }
      return undefined;
    });
    register(scope);
  });
}

export async function pasteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await creationScope(app, ctx, (scope) => {
    scope.post('/', { schema: schemas.createPaste, bodyLimit: Number.MAX_SAFE_INTEGER }, (request, reply) => handleCreate(ctx, request, reply, 'paste'));
    // Updating needs an owner; identities arrive with the PKI, so for now every caller lacks one.
    scope.put('/:id', { schema: schemas.updatePaste, bodyLimit: Number.MAX_SAFE_INTEGER }, async () => {
      throw new AppError('AUTH_REQUIRED', 'Updating a paste needs the client certificate that owns it.');
    });
  });

  app.get('/:id', { schema: schemas.getPaste }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    return reply.send(itemView(item, baseUrl(ctx.config, request)));
  });
  app.head('/:id', { schema: schemas.headPaste }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(itemView(item, baseUrl(ctx.config, request))));
  });
  app.get('/:id/raw', { schema: schemas.getRaw }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    return serveContent(ctx, request, reply, item, { attachment: false, headOnly: false });
  });
  app.head('/:id/raw', { schema: schemas.headRaw }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    return serveContent(ctx, request, reply, item, { attachment: false, headOnly: true });
  });
  app.delete('/:id', { schema: schemas.deletePaste }, async (request: IdRequest, reply) => {
    // Delete tokens travel only in this header (never a query string, so never in logs or Referer).
    const token = singleHeader(request.headers['x-delete-token'], 'X-Delete-Token');
    await ctx.items.deleteWithToken(request.params.id, token);
    return reply.code(204).send();
  });
}
