// Serving an item's content: headers that never let a browser execute it, ranges, verification,
// and the atomic claim of a read of a limited item (a download limit, or burn after read).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VERIFY_BEFORE_SEND_LIMIT } from '../core/content-reader.js';
import { dispositionKind, servedType } from '../core/content-type.js';
import { AppError } from '../core/errors.js';
import { contentDisposition } from '../core/filename.js';
import type { ItemRecord } from '../storage/ports.js';
import type { AppContext } from './context.js';
import { isPreviewAgent } from './preview-agents.js';
import { parseRange } from './range.js';
import { CONTENT_CSP } from './security-headers.js';
import { limitsReads, withholdsDigest } from './views.js';

export interface ServeOptions {
  /** Always download (file shares); otherwise inline for text and safe images. */
  attachment: boolean;
  /** HEAD: headers only, never a claim. */
  headOnly: boolean;
}

function etagOf(ctx: AppContext, item: ItemRecord): string {
  return `"${ctx.digests.etag(item.id, item.sha256)}"`;
}

function setContentHeaders(ctx: AppContext, reply: FastifyReply, item: ItemRecord, options: ServeOptions): void {
  const kind = options.attachment ? 'attachment' : dispositionKind(item.mimeType);
  reply.header('content-type', servedType(item.mimeType));
  reply.header('content-disposition', contentDisposition(kind, item.filename ?? (kind === 'attachment' ? item.id : null)));
  reply.header('content-security-policy', CONTENT_CSP);
  // Offline hash oracle: the ETag is keyed, never the plaintext SHA-256 of guessable content.
  reply.header('etag', etagOf(ctx, item));
  // A burn item's digest goes only to its one reader, with the content (see serveContent): sent on
  // HEAD or the 0-0 probe it would let anyone confirm guesses without spending the read.
  if (!withholdsDigest(item)) reply.header('x-content-sha256', item.sha256);
  // A limited item is only ever served whole (bar the 0-0 probe), so it must not advertise ranges.
  reply.header('accept-ranges', limitsReads(item) ? 'none' : 'bytes');
}

function isProbe(range: ReturnType<typeof parseRange>): boolean {
  return range.kind === 'range' && range.start === 0 && range.end === 0;
}

/** What a link-preview bot gets instead of a burn-after-read item: no content, no content headers. */
export const BURN_NOTICE = 'This is a burn-after-read share: it can be read once, and only by the person it was sent to. Open the link yourself; link previews never read it.\n';

/** The same for an item with a download limit. */
export const LIMIT_NOTICE = 'This share can be downloaded a limited number of times, and link previews do not spend them. Open the link yourself to download it.\n';

export async function serveContent(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, item: ItemRecord, options: ServeOptions): Promise<FastifyReply> {
  // Chat apps unfurling the link would spend a read (the one read of a burn item: the person would
  // get 404): a known preview agent gets a neutral notice, never the content, and nothing is claimed.
  if (limitsReads(item) && !options.headOnly && isPreviewAgent(request.headers['user-agent'])) {
    return reply.code(200).type('text/plain; charset=utf-8').send(item.burnAfterRead ? BURN_NOTICE : LIMIT_NOTICE);
  }
  setContentHeaders(ctx, reply, item, options);
  if (options.headOnly) {
    reply.header('content-length', String(item.size));
    return reply.code(200).send();
  }
  const ifRange = request.headers['if-range'];
  let range = ifRange === undefined || ifRange === etagOf(ctx, item) ? parseRange(request.headers.range, item.size) : ({ kind: 'none' } as const);
  // Limited reads: only the 1-byte probe is served without spending a read; any other range would let
  // a reader fetch everything piecewise without ever spending one, so it is ignored (full read, counted).
  if (limitsReads(item) && !isProbe(range)) range = { kind: 'none' };
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${item.size}`);
    throw new AppError('RANGE_NOT_SATISFIABLE');
  }
  if (range.kind === 'range') {
    const stream = await ctx.reader.stream(item, { start: range.start, end: range.end });
    reply.header('content-range', `bytes ${range.start}-${range.end}/${item.size}`);
    reply.header('content-length', String(range.end - range.start + 1));
    ctx.metrics.itemsServed.inc({ kind: item.kind });
    ctx.metrics.bytesOut.inc(range.end - range.start + 1);
    reportMidStreamFailure(ctx, request, stream);
    return reply.code(206).send(stream);
  }
  // The read counts from here, whether or not the client takes all of it (docs/api.md says why).
  const claimed = await ctx.items.claimDownload(item);
  if (claimed.downloadsRemaining !== null) {
    // The readers own removal: the last one to finish shreds a spent item, however its response ended.
    reply.raw.once('close', () => {
      ctx.items.endRead(claimed).catch((error: unknown) => request.log.error({ err: error }, 'removing a spent item failed'));
    });
  }
  // The read is spent: its reader gets the digest to check the content against, and what is left.
  if (withholdsDigest(claimed)) reply.header('x-content-sha256', claimed.sha256);
  if (claimed.downloadsRemaining !== null) reply.header('x-downloads-remaining', String(claimed.downloadsRemaining));
  reply.header('content-length', String(claimed.size));
  ctx.metrics.itemsServed.inc({ kind: claimed.kind });
  ctx.metrics.bytesOut.inc(claimed.size);
  if (claimed.size <= VERIFY_BEFORE_SEND_LIMIT) return reply.code(200).send(await ctx.reader.readWhole(claimed));
  const stream = await ctx.reader.stream(claimed);
  reportMidStreamFailure(ctx, request, stream);
  return reply.code(200).send(stream);
}

/**
 * Headers are gone once a stream is sent: the only honest signal left is aborting the connection
 * (Fastify does on stream error, and the reader holds back the end, so it is short of Content-Length).
 */
function reportMidStreamFailure(ctx: AppContext, request: FastifyRequest, stream: NodeJS.ReadableStream): void {
  stream.once('error', (error: unknown) => {
    ctx.metrics.integrityFailures.inc();
    request.log.error({ err: error, item_failure: (error as AppError).extra }, 'integrity check failed mid-stream; response aborted');
  });
}
