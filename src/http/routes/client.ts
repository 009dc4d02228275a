// GET|HEAD /client: the fpaste CLI as one file (dist/fpaste.js, built by scripts/build.mjs), for
// `curl -o fpaste https://host/client && chmod +x fpaste`.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { schemas } from '../schemas.js';

export interface ClientRouteOptions {
  /** Where the bundle is; default: next to the running server bundle, else dist/ from the source tree. */
  bundlePath?: string;
}

/** dist/main.js serves its sibling dist/fpaste.js; run from src/ (tests, tsx) it is ../../../dist/fpaste.js. */
function defaultCandidates(): string[] {
  return [fileURLToPath(new URL('./fpaste.js', import.meta.url)), fileURLToPath(new URL('../../../dist/fpaste.js', import.meta.url))];
}

interface BundleFacts {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

export async function clientRoutes(app: FastifyInstance, _ctx: AppContext, options: ClientRouteOptions = {}): Promise<void> {
  const candidates = options.bundlePath ? [options.bundlePath] : defaultCandidates();
  let cached: BundleFacts | null = null;

  /** The bundle's facts; its SHA-256 is recomputed only when the file changed (a rebuild). */
  const locate = async (): Promise<BundleFacts | null> => {
    for (const path of candidates) {
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) continue;
      if (cached && cached.path === path && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached;
      const hash = createHash('sha256');
      for await (const part of createReadStream(path)) hash.update(part as Buffer);
      cached = { path, size: info.size, mtimeMs: info.mtimeMs, sha256: hash.digest('hex') };
      return cached;
    }
    return null;
  };

  const serve = async (request: FastifyRequest, reply: FastifyReply, headOnly: boolean): Promise<FastifyReply> => {
    const bundle = await locate();
    if (!bundle) {
      request.log.warn({ candidates }, 'GET /client: the fpaste bundle is missing (run npm run build)');
      throw new AppError('INTERNAL_ERROR', 'The fpaste client is not available on this server.');
    }
    // Our own script, but still never a type a browser would execute or render: download only.
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-disposition', 'attachment; filename=fpaste');
    reply.header('content-length', String(bundle.size));
    // Lets users check what they downloaded (sha256sum fpaste) before running it.
    reply.header('x-content-sha256', bundle.sha256);
    reply.header('etag', `"${bundle.sha256}"`);
    if (headOnly) return reply.code(200).send();
    return reply.code(200).send(createReadStream(bundle.path));
  };

  app.get('/client', { schema: schemas.client, config: { rateGroup: 'read' } }, (request, reply) => serve(request, reply, false));
  app.head('/client', { schema: schemas.headClient, config: { rateGroup: 'read' } }, (request, reply) => serve(request, reply, true));
}
