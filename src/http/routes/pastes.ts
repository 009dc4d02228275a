// Pastes: POST /, GET|HEAD /{id}, GET|HEAD /{id}/raw, PUT /{id}, DELETE /{id}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { ItemService } from '../../core/item-service.js';
import { requireIdentity } from '../identity.js';
import type { UploadFacts } from '../../core/item-service.js';
import { ENTROPY_MIN_BODY } from '../../security/entropy.js';
import type { ItemKind } from '../../storage/ports.js';
import type { AppContext } from '../context.js';
import { recordCreation } from '../record-creation.js';
import { serveContent } from '../content-reply.js';
import { parseCreateOptions, parseUpdateOptions } from '../create-options.js';
import { declaredTooLarge, lingerUnreadBody, readCreateBody, registerCreateParsers } from '../create-body.js';
import { sendError } from '../error-reply.js';
import { filenameFromHeaders } from '../filename-header.js';
import { limitKey } from '../limits.js';
import { registerQuotaGate } from '../quota-gate.js';
import { baseUrl } from '../urls.js';
import { createdItemView, itemView } from '../views.js';
import { schemas } from '../schemas.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const LOOKUP = { rateGroup: 'read', bruteAction: 'paste' } as const;
/** GET|HEAD /{id}: browsers asking for HTML get the page instead (routes/web.ts). */
const METADATA = { ...LOOKUP, webPage: 'paste' } as const;

function singleHeader(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) throw new AppError('INVALID_REQUEST', `${name} must be given once.`);
  return value;
}

/** Shared by POST / and POST /upload: parses headers and body, stores, answers 201. */
export async function handleCreate(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, kind: ItemKind): Promise<FastifyReply> {
  const { expiry, burnAfterRead, maxDownloads } = parseCreateOptions(request.headers);
  const owner = request.identity?.owner ?? null;
  const body = await readCreateBody(request, ctx.config.maxSize);
  const created = await ctx.items.create({ body: body.stream, bodySize: body.size, claimedType: body.claimedType, filename: body.filename, expiry, burnAfterRead, maxDownloads, kind, owner, clientGroup: request.client.group, beforeCommit: (facts) => uploadPolicies(ctx, request, facts) });
  await recordCreation(ctx, request);
  ctx.metrics.itemsCreated.inc({ kind });
  ctx.metrics.bytesIn.inc(created.record.size);
  const view = createdItemView(created.record, baseUrl(ctx.config, request), { deleteToken: created.deleteToken, key: created.key });
  // Serialised here like GET /{id} (test/unit/http/item-json-bytes.test.ts holds it to the zod
  // serializer's bytes): re-encoding through zod was a measurable part of every create.
  return reply.code(201).header('location', view.url).type('application/json; charset=utf-8').send(JSON.stringify(view));
}

/** PUT /{id}: owner or admin replaces content (if a body is sent) and/or X-Expiry, X-Burn-After-Read, X-Max-Downloads, X-Filename. */
async function handleUpdate(ctx: AppContext, request: IdRequest, reply: FastifyReply): Promise<FastifyReply> {
  const caller = requireIdentity(request);
  const item = await ctx.items.get(request.params.id);
  if (!ItemService.mayModify(item, caller)) throw new AppError('FORBIDDEN');
  const { expiry, burnAfterRead, maxDownloads } = parseUpdateOptions(request.headers);
  // Multipart leaves request.body empty (the parts are read lazily), so ask the request itself.
  const hasBody = request.isMultipart() || (request.body !== undefined && request.body !== null);
  const body = hasBody ? await readCreateBody(request, ctx.config.maxSize) : null;
  const filename = body?.filename ?? filenameFromHeaders(request.headers) ?? undefined;
  const updated = await ctx.items.update(item, { body: body?.stream, bodySize: body?.size, claimedType: body?.claimedType ?? null, filename, expiry, burnAfterRead, maxDownloads, beforeCommit: (facts) => uploadPolicies(ctx, request, facts) });
  return reply.send(itemView(updated, baseUrl(ctx.config, request)));
}

/** Checks on the finished upload, before it is committed: type policy, entropy, duplicates. */
export async function uploadPolicies(ctx: AppContext, request: FastifyRequest, facts: UploadFacts): Promise<void> {
  ctx.abuse.mime.check(facts.mimeType);
  // Plaintext on an encrypted-only instance: low-entropy bodies are refused (ciphertext is ~8 bits/byte).
  if (ctx.config.minEntropy > 0 && facts.size >= ENTROPY_MIN_BODY && facts.entropy !== null && facts.entropy < ctx.config.minEntropy) {
    throw new AppError('ENTROPY_TOO_LOW', `The content has ${facts.entropy.toFixed(2)} bits of entropy per byte; at least ${ctx.config.minEntropy} is required (encrypt it first).`, { entropy: Number(facts.entropy.toFixed(3)), min_entropy: ctx.config.minEntropy });
  }
  await ctx.abuse.dedup.check(facts.sha256, limitKey(request));
}

/** The creation scope: stream-friendly parsers and the early Content-Length refusal. */
export async function creationScope(app: FastifyInstance, ctx: AppContext, register: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    registerCreateParsers(scope, ctx.config.maxSize);
    await scope.register(import('@fastify/multipart'), { throwFileSizeLimit: true });
    scope.addHook('onRequest', async (request, reply) => {
      if (request.method === 'POST' || request.method === 'PUT') {
        if (declaredTooLarge(request, ctx.config.maxSize)) {
          lingerUnreadBody(reply);
          return sendError(request, reply, new AppError('TOO_LARGE', `The content is larger than ${ctx.config.maxSize} bytes.`));
        }
      }
      return undefined;
    });
    registerQuotaGate(scope, ctx);
    // Any refusal (bad PoW, too large, rate limit, quota ...) may leave a body unread: never drain it whole.
    scope.addHook('onError', async (request, reply) => {
      if (!request.raw.complete) lingerUnreadBody(reply);
    });
    register(scope);
  });
}

export async function pasteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await creationScope(app, ctx, (scope) => {
    scope.post('/', { schema: schemas.createPaste, config: { rateGroup: 'create', pow: 'create' }, bodyLimit: Number.MAX_SAFE_INTEGER }, (request, reply) => handleCreate(ctx, request, reply, 'paste'));
    scope.put('/:id', { schema: schemas.updatePaste, config: { rateGroup: 'create', bruteAction: 'paste' }, bodyLimit: Number.MAX_SAFE_INTEGER }, (request: IdRequest, reply) => handleUpdate(ctx, request, reply));
  });

  app.get('/:id', { schema: schemas.getPaste, config: METADATA }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    // Serialised here, not by the route's zod schema: itemView builds exactly the schema's fields in
    // its order (test/unit/http/item-json-bytes.test.ts holds the two to the same bytes), and
    // re-encoding it through zod on every read cost more than the rest of the route.
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(itemView(item, baseUrl(ctx.config, request))));
  });
  app.head('/:id', { schema: schemas.headPaste, config: METADATA }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(itemView(item, baseUrl(ctx.config, request))));
  });
  app.get('/:id/raw', { schema: schemas.getRaw, config: LOOKUP }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    return serveContent(ctx, request, reply, item, { attachment: false, headOnly: false });
  });
  app.head('/:id/raw', { schema: schemas.headRaw, config: LOOKUP }, async (request: IdRequest, reply) => {
    const item = await ctx.items.get(request.params.id);
    return serveContent(ctx, request, reply, item, { attachment: false, headOnly: true });
  });
  app.delete('/:id', { schema: schemas.deletePaste, config: LOOKUP }, async (request: IdRequest, reply) => {
    // Delete tokens travel only in this header (never a query string, so never in logs or Referer).
    const token = singleHeader(request.headers['x-delete-token'], 'X-Delete-Token');
    await ctx.items.delete(request.params.id, request.identity, token);
    return reply.code(204).send();
  });
}
