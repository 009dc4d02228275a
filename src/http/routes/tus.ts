// Resumable uploads, tus 1.0 (creation, creation-defer-length, termination, expiration) at /tus.
// Our own small handler rather than @tus/server: see docs/architecture.md ("Resumable uploads").
// POST is a creation like any other (create budget, proof of work, disk floor); PATCH, HEAD and
// DELETE spend the read budget and count 404s as failed lookups (brute action "tus").
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CompletionReceipts } from '../../core/completion-receipts.js';
import type { Receipt } from '../../core/completion-receipts.js';
import { AppError } from '../../core/errors.js';
import { resolveExpiry } from '../../core/expiry.js';
import { lifetimeStart } from '../../core/clock.js';
import type { Upload } from '../../core/resumable-uploads.js';
import type { AppContext } from '../context.js';
import { lingerUnreadBody, translateErrors } from '../create-body.js';
import { sendError } from '../error-reply.js';
import { limitKey } from '../limits.js';
import { creatorOf } from '../quota-gate.js';
import { recordCreation } from '../record-creation.js';
import { baseUrl } from '../urls.js';
import { creationOptions, integerHeader, TUS_EXTENSIONS, TUS_VERSION } from '../tus-headers.js';
import { completion } from '../tus-completion.js';
import { schemas } from '../schemas.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const RESUME = { rateGroup: 'read', bruteAction: 'tus' } as const;

function uploadHeaders(reply: FastifyReply, upload: Upload): void {
  reply.header('upload-offset', String(upload.offset));
  if (upload.length === null) reply.header('upload-defer-length', '1');
  else reply.header('upload-length', String(upload.length));
  reply.header('upload-expires', new Date(upload.expiresAt * 1000).toUTCString());
  reply.header('cache-control', 'no-store');
}

/** What the upload became, on the final PATCH and on a HEAD that repeats it (completion-receipts.ts). */
function completionHeaders(reply: FastifyReply, base: string, receipt: Receipt): void {
  reply.header('x-sealbin-id', receipt.id);
  reply.header('x-sealbin-url', `${base}/${receipt.id}`);
  if (receipt.key !== null) {
    reply.header('x-sealbin-key', receipt.key);
    reply.header('x-sealbin-download-url', `${base}/download/${receipt.key}`);
  }
  // Shown once, like delete_token in a 201 (and again for 10 minutes, to the creator whose answer
  // was lost): the only way an anonymous creator can delete.
  if (receipt.deleteToken !== null) reply.header('x-sealbin-delete-token', receipt.deleteToken);
}

function bodyError(error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || error.message === 'aborted') return new AppError('INVALID_REQUEST', 'The PATCH was cut before its body ended; HEAD tells what was kept.');
  return error;
}

export async function tusRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // A lost final answer would otherwise make the client upload the file again (a second item).
  const receipts = new CompletionReceipts(() => ctx.clock.now());
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every body is a stream here; PATCH checks its Content-Type itself (415 is tus' answer).
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    // tus 1.0 wants Tus-Resumable on every answer, also on the refusals the request pass sends before
    // these routes run (auth-only mode, the disk floor, the limits, proof of work): onSend sees them all.
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('tus-resumable', TUS_VERSION);
      return payload;
    });
    scope.addHook('onRequest', async (request, reply) => {
      if (request.method === 'OPTIONS') return undefined;
      if (request.headers['tus-resumable'] !== TUS_VERSION) {
        reply.header('tus-version', TUS_VERSION);
        if (!request.raw.complete) lingerUnreadBody(reply);
        throw new AppError('TUS_VERSION_UNSUPPORTED');
      }
      return undefined;
    });
    scope.addHook('onError', async (request, reply) => {
      if (!request.raw.complete) lingerUnreadBody(reply);
    });

    const options = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.code(204).header('tus-version', TUS_VERSION).header('tus-extension', TUS_EXTENSIONS).header('tus-max-size', String(ctx.config.maxSize)).send();
    scope.options('/tus', { schema: schemas.tusOptions }, options);
    scope.options('/tus/:id', { schema: schemas.tusOptionsUpload }, options);

    scope.post('/tus', { schema: schemas.tusCreate, config: { rateGroup: 'create', pow: 'create' } }, async (request, reply) => {
      const length = integerHeader(request.headers, 'upload-length');
      const deferred = request.headers['upload-defer-length'];
      if ((length === undefined) === (deferred === undefined)) throw new AppError('INVALID_REQUEST', 'Send exactly one of Upload-Length and Upload-Defer-Length: 1.');
      if (deferred !== undefined && deferred !== '1') throw new AppError('INVALID_REQUEST', 'Upload-Defer-Length must be 1.');
      // Disk exhaustion: a declared length over the limit is refused before anything is stored.
      if (length !== undefined && length > ctx.config.maxSize) throw new AppError('TOO_LARGE', `The upload is larger than ${ctx.config.maxSize} bytes.`);
      if (length === 0) throw new AppError('EMPTY');
      const upload = creationOptions(request.headers);
      // Refused now rather than after the last byte: the completion checks it again from its own time.
      resolveExpiry(upload.expiry, ctx.config, lifetimeStart(ctx.clock));
      try {
        // Disk exhaustion: an Upload-Length that would take the disk under the floor is refused now.
        await ctx.disk.admit(length ?? 0);
      } catch (error) {
        // An expected refusal, answered as http/disk-floor.ts answers it: not a server failure to log.
        if (!(error instanceof AppError)) throw error;
        return sendError(request, reply, error);
      }
      // Quota evasion by resuming: a declared length that surely does not fit is refused now; the completion checks exactly.
      await ctx.items.checkQuota(creatorOf(request), length ?? 1);
      const created = await ctx.uploads.create(limitKey(request), request.identity?.owner ?? null, length ?? null, upload);
      uploadHeaders(reply, created);
      return reply.code(201).header('location', `${baseUrl(ctx.config, request)}/tus/${created.id}`).send();
    });

    scope.head('/tus/:id', { schema: schemas.tusHead, config: RESUME }, async (request: IdRequest, reply) => {
      const who = limitKey(request);
      // Asked first, under the upload's lock, so a completion still running has finished (and left its receipt).
      let upload: Upload | null = null;
      let missing: unknown = null;
      try {
        upload = await ctx.uploads.status(request.params.id, who);
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error;
        missing = error;
      }
      // Finished here moments ago: tell the creator what it became, as the final PATCH did (also when
      // removing the partial failed after the item was made, so that nothing is uploaded twice).
      const receipt = receipts.recall(request.params.id, who);
      if (receipt) {
        reply.header('upload-offset', String(receipt.length));
        reply.header('upload-length', String(receipt.length));
        reply.header('cache-control', 'no-store');
        completionHeaders(reply, baseUrl(ctx.config, request), receipt);
        return reply.code(200).send();
      }
      if (!upload) throw missing;
      uploadHeaders(reply, upload);
      return reply.code(200).send();
    });

    scope.delete('/tus/:id', { schema: schemas.tusDelete, config: RESUME }, async (request: IdRequest, reply) => {
      await ctx.uploads.terminate(request.params.id, limitKey(request));
      return reply.code(204).send();
    });

    // Disk exhaustion: the free-space floor applies to the bytes a PATCH brings as it does to a
    // creation, from the headers alone (an expected refusal, answered like http/disk-floor.ts's).
    const diskFloor = async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        await ctx.disk.admit(integerHeader(request.headers, 'content-length') ?? 0);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (!request.raw.complete) lingerUnreadBody(reply);
        return sendError(request, reply, error);
      }
      return undefined;
    };
    scope.patch('/tus/:id', { schema: schemas.tusPatch, config: RESUME, bodyLimit: Number.MAX_SAFE_INTEGER, onRequest: diskFloor }, async (request: IdRequest, reply) => {
      const type = request.headers['content-type'] ?? '';
      if (!/^application\/offset\+octet-stream\s*(;|$)/i.test(type)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'A tus PATCH body must be application/offset+octet-stream.');
      const offset = integerHeader(request.headers, 'upload-offset');
      if (offset === undefined) throw new AppError('INVALID_REQUEST', 'Upload-Offset is required.');
      const contentLength = integerHeader(request.headers, 'content-length') ?? null;
      const raw = request.body instanceof Readable ? request.body : Readable.from([]);
      const body = translateErrors(raw, bodyError);
      const who = limitKey(request);
      const { upload, completed } = await ctx.uploads.append(request.params.id, who, { offset, body, length: integerHeader(request.headers, 'upload-length') ?? null, contentLength }, completion(ctx, request, receipts, who));
      uploadHeaders(reply, upload);
      if (completed) {
        if (completed.created) {
          await recordCreation(ctx, request);
          ctx.metrics.itemsCreated.inc({ kind: 'file' });
          ctx.metrics.bytesIn.inc(completed.created.record.size);
        }
        completionHeaders(reply, baseUrl(ctx.config, request), completed.receipt);
      }
      return reply.code(204).send();
    });
  });
}
