// File shares by diceware key: POST /upload, GET /download/{key}, /preview/{key}, /status/{key}.
import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isTextual } from '../../core/content-type.js';
import type { AppContext } from '../context.js';
import { serveContent } from '../content-reply.js';
import { previewView, statusView, withholdsDigest } from '../views.js';
import { creationScope, handleCreate } from './pastes.js';
import { schemas } from '../schemas.js';

type KeyRequest = FastifyRequest<{ Params: { key: string } }>;

const PREVIEW_BYTES = 1024;

export async function fileRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await creationScope(app, ctx, (scope) => {
    scope.post('/upload', { schema: schemas.upload, config: { rateGroup: 'create', pow: 'create' }, bodyLimit: Number.MAX_SAFE_INTEGER }, (request, reply) => handleCreate(ctx, request, reply, 'file'));
  });

  app.get('/download/:key', { schema: schemas.download, config: { rateGroup: 'read', bruteAction: 'download', webPage: 'share' } }, async (request: KeyRequest, reply) => {
    const item = await ctx.items.getByKey(request.params.key);
    return serveContent(ctx, request, reply, item, { attachment: true, headOnly: false });
  });
  app.head('/download/:key', { schema: schemas.headDownload, config: { rateGroup: 'read', bruteAction: 'download', webPage: 'share' } }, async (request: KeyRequest, reply) => {
    const item = await ctx.items.getByKey(request.params.key);
    return serveContent(ctx, request, reply, item, { attachment: true, headOnly: true });
  });
  app.get('/preview/:key', { schema: schemas.preview, config: { rateGroup: 'read', bruteAction: 'preview' } }, async (request: KeyRequest, reply) => {
    const item = await ctx.items.getByKey(request.params.key);
    let text: string | null = null;
    // Free reads of a burn share: no content is decrypted for it at all (previewView says why).
    if (isTextual(item.mimeType) && !withholdsDigest(item)) {
      const stream = await ctx.reader.stream(item, { start: 0, end: Math.min(item.size, PREVIEW_BYTES) - 1 });
      const decoder = new StringDecoder('utf8');
      text = '';
      // The decoder keeps a multi-byte character cut at the 1 KiB boundary out of the preview.
      for await (const part of stream) text += decoder.write(part as Buffer);
    }
    return reply.send(previewView(item, text));
  });
  app.get('/status/:key', { schema: schemas.status, config: { rateGroup: 'read', bruteAction: 'status' } }, async (request: KeyRequest, reply) => {
    const item = await ctx.items.getByKey(request.params.key);
    return reply.send(statusView(item));
  });
}
