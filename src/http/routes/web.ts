// The browser page (issue 14): browsers asking for HTML at /, /{id} and /download/{phrase} get the
// page shell; everyone else gets today's answers. The built files are served at /web/{file}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDicewareKey } from '../../core/diceware.js';
import { AppError } from '../../core/errors.js';
import { isPasteId } from '../../core/ids.js';
import type { AppContext } from '../context.js';
import type { WebAssets } from '../web-assets.js';
import { prefersPage } from '../web-negotiation.js';
import { PAGE_CSP, renderShell } from '../web-shell.js';
import { ANSWERED } from '../request-pass.js';
import type { RequestStep } from '../request-pass.js';

export type WebView = 'create' | 'paste' | 'share';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This GET/HEAD route answers the page for browsers (when SEALBIN_WEB is on). */
    webPage?: WebView;
  }
}

/** Only well-formed ids get the page: a malformed one keeps the contract's 404 (and its brute-force count). */
function wellFormed(view: WebView, params: unknown): boolean {
  const values = (params ?? {}) as Record<string, unknown>;
  if (view === 'paste') return typeof values['id'] === 'string' && isPasteId(values['id']);
  if (view === 'share') return typeof values['key'] === 'string' && isDicewareKey(values['key']);
  return true;
}

function addVary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary');
  reply.header('vary', current === undefined || current === '' ? name : `${String(current)}, ${name}`);
}

/**
 * The page step, for the root instance's request pass (it must see every route). Run it after the
 * limits, so page loads are rate-limited like the reads they stand for and blocked clients stay blocked.
 */
export function webPageStep(ctx: AppContext, assets: WebAssets): RequestStep {
  // Built once: the shell depends only on the manifest and the configuration, never on the request,
  // so nothing from the URL, id or query can ever be reflected into it (reflected XSS).
  const shell = renderShell(assets.manifest, ctx.config.urlPrefix);
  const shellLength = String(Buffer.byteLength(shell));

  const sendPage = (reply: FastifyReply, headOnly: boolean): FastifyReply => {
    reply.header('content-security-policy', PAGE_CSP);
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('content-length', shellLength);
    // HEAD answers the page's headers only; no storage is touched, so nothing is looked up or burned.
    return headOnly ? reply.code(200).send() : reply.code(200).send(shell);
  };

  return (request: FastifyRequest, reply: FastifyReply) => {
    const view = request.routeOptions.config.webPage;
    if (!view || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
    // Shared caches must keep the page and the JSON of one URL apart.
    addVary(reply, 'Accept');
    if (!prefersPage(request.headers.accept) || !wellFormed(view, request.params)) return undefined;
    sendPage(reply, request.method === 'HEAD');
    return ANSWERED;
  };
}

/** The routes only the page has: HEAD /, /favicon.ico and the built files at /web/{file} (inside the URL prefix). */
export async function webRoutes(app: FastifyInstance, _ctx: AppContext, assets: WebAssets): Promise<void> {
  // HEAD / has no API answer (404 as before); browsers asking for HTML get the page's headers.
  app.head('/', { schema: { hide: true }, config: { webPage: 'create', rateGroup: 'read' } }, async () => {
    throw new AppError('NOT_FOUND');
  });

  // Browsers fetch /favicon.ico with every page view. It would match /{id} as a malformed id: a 404
  // that counts as a failed lookup, so ten page views would get a visitor blocked as a guesser.
  app.get('/favicon.ico', { schema: { hide: true }, config: { rateGroup: 'read' } }, async (_request, reply) => reply.code(204).send());

  type FileRequest = FastifyRequest<{ Params: { file: string } }>;
  const serveAsset = async (request: FileRequest, reply: FastifyReply, headOnly: boolean): Promise<FastifyReply> => {
    // Path traversal: the name is only a key into the manifest's three files, never a path.
    const asset = assets.files.get(request.params.file);
    if (!asset) throw new AppError('NOT_FOUND');
    reply.header('content-type', asset.contentType);
    reply.header('content-length', String(asset.bytes.length));
    return headOnly ? reply.code(200).send() : reply.code(200).send(asset.bytes);
  };
  app.get('/web/:file', { schema: { hide: true }, config: { rateGroup: 'read' } }, (request: FileRequest, reply) => serveAsset(request, reply, false));
  app.head('/web/:file', { schema: { hide: true }, config: { rateGroup: 'read' } }, (request: FileRequest, reply) => serveAsset(request, reply, true));
}
