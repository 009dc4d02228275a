// buildApp: composes plugins and routes into a Fastify instance. No globals, so tests build many.
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Logger } from 'pino';
import cors from '@fastify/cors';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { AppError } from './core/errors.js';
import type { AppContext } from './http/context.js';
import { logAccess } from './http/access-log.js';
import { clientInfoStep } from './http/client-info.js';
import { enforceRate, limitsStep } from './http/limits.js';
import { powGateStep } from './http/pow-gate.js';
import { diskFloorStep } from './http/disk-floor.js';
import { createAuthStep } from './http/create-auth.js';
import { registerJsonParser } from './http/json-parser.js';
import { challengeRoutes } from './http/routes/challenge.js';
import { identityStep } from './http/identity.js';
import { registerOpenApi } from './http/openapi.js';
import { listRoutes } from './http/routes/list.js';
import { pkiRoutes } from './http/routes/pki.js';
import { registerRoutes } from './http/routes/register.js';
import { shortRoutes } from './http/routes/short.js';
import { metricsRoutes, observeRequest } from './http/routes/metrics.js';
import { clientRoutes } from './http/routes/client.js';
import { handleClientError } from './http/client-errors.js';
import { sendError, toAppError } from './http/error-reply.js';
import { StorageFaults, storageFault } from './http/storage-faults.js';
import { requestIdFor } from './http/request-id.js';
import { applySecurityHeaders } from './http/security-headers.js';
import { drainStep } from './http/drain.js';
import { registerRequestPass } from './http/request-pass.js';
import type { RequestStep } from './http/request-pass.js';
import { cutStalledWrites } from './http/stalled-writes.js';
import { fileRoutes } from './http/routes/files.js';
import { opsRoutes } from './http/routes/ops.js';
import { pasteRoutes } from './http/routes/pastes.js';
import { webPageStep, webRoutes } from './http/routes/web.js';
import { loadWebAssets } from './http/web-assets.js';
import { tusRoutes } from './http/routes/tus.js';

export interface BuildOptions {
  logger: Logger;
  /** TLS terminated here: certificate, key and client-certificate options (see server.ts). */
  https?: HttpsServerOptions | undefined;
}

/** Timeouts that cut off slow or stalled clients (slowloris) while normal transfers finish. */
export const TIMEOUTS = {
  /** All request headers must arrive within this. */
  headersMs: 15_000,
  /**
   * A connection that sends or receives nothing for this long is closed: an upload that stops sending
   * (Node's socket timeout, with slow-body.ts for drips) and a download whose client stops reading
   * (stalled-writes.ts) alike.
   */
  idleMs: 60_000,
  /** Upper bound for receiving a whole request, large uploads included. */
  requestMs: 60 * 60_000,
  keepAliveMs: 5_000,
};

export async function buildApp(ctx: AppContext, options: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    // Our own access log (route templates, no URLs) replaces Fastify's per-request lines.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: requestIdFor,
    // HEAD is routed explicitly: an automatic HEAD would run the GET handler and burn items.
    exposeHeadRoutes: false,
    // Shutdown answers come from http/drain.ts (the contract's JSON 503 with Retry-After), not Fastify's.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    connectionTimeout: TIMEOUTS.idleMs,
    keepAliveTimeout: TIMEOUTS.keepAliveMs,
    requestTimeout: TIMEOUTS.requestMs,
    clientErrorHandler: handleClientError,
    // Prototype poisoning in JSON bodies is an error, not silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 200 },
    // Router-level failures (over-long ids, malformed percent-encoding) skip the hooks: give them
    // the same headers and the contract's 404 instead of Fastify's own body echoing the path.
    frameworkErrors: (_error, request, reply) => {
      reply.header('x-request-id', request.id);
      applySecurityHeaders(request, reply);
      return sendError(request, reply, new AppError('NOT_FOUND'));
    },
    // Headers must be complete within headersMs; the check runs every second, not every 30 s.
    http: { headersTimeout: TIMEOUTS.headersMs, connectionsCheckingInterval: 1000 },
    ...(options.https ? { https: { headersTimeout: TIMEOUTS.headersMs, connectionsCheckingInterval: 1000, ...options.https } } : {}),
  });
  app.server.headersTimeout = TIMEOUTS.headersMs;
  cutStalledWrites(app.server, TIMEOUTS.idleMs, () => options.logger.info('cut a connection whose client stopped reading for the idle timeout'));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerJsonParser(app);

  const web = ctx.config.web ? await loadWebAssets() : null;
  if (web && !web.ok) options.logger.warn(`web page off: ${web.reason} (run npm run build, or set SEALBIN_WEB=0); browsers get JSON`);
  // The checks every request goes through before routing, in this order, as one pass (request-pass.ts).
  const steps: (RequestStep | null)[] = [
    clientInfoStep(app, ctx.config, ctx.abuse.trustedProxies),
    (request, reply) => {
      reply.header('x-request-id', request.id);
      applySecurityHeaders(request, reply);
      return undefined;
    },
    // Before identity, limits and routes: during a shutdown a new request gets its 503 and nothing else.
    drainStep(app),
    identityStep(app, ctx.pki),
    // Before the disk floor, limits and PoW: an anonymous creation on a private instance spends nothing.
    createAuthStep(ctx.config),
    diskFloorStep(ctx),
    limitsStep(app, ctx.config, ctx.abuse),
    powGateStep(ctx),
    // The browser page: after the limits (a page load is a read like any other), before the routes.
    web?.ok ? webPageStep(ctx, web.assets) : null,
  ];
  registerRequestPass(app, steps.filter((step): step is RequestStep => step !== null));

  const storageFaults = new StorageFaults(ctx.clock);
  // Everything after a response, in one synchronous hook: the access line, the duration metric, and
  // the storage-fault state (/health), which a successful creation clears.
  app.addHook('onResponse', (request, reply, done) => {
    logAccess(request, reply, ctx.config.logIps);
    observeRequest(ctx, request, reply);
    if (reply.statusCode === 201) storageFaults.clear();
    done();
  });
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    const fault = storageFault(error);
    // /health names the database for an unreachable one too (its live probe may already pass again).
    if (fault) storageFaults.record(fault === 'unreachable' ? 'database' : fault);
    if (appError.status >= 500 && appError.code !== 'INTEGRITY_CHECK_FAILED') request.log.error({ err: error }, 'request failed');
    if (appError.code === 'INTEGRITY_CHECK_FAILED') {
      ctx.metrics.integrityFailures.inc();
      request.log.error({ integrity: appError.extra }, 'integrity check failed');
    }
    return sendError(request, reply, appError);
  });
  // The 404 handler spends the read budget too: probing for routes and ids is reading.
  app.setNotFoundHandler(async (request, reply) => {
    await enforceRate(ctx.abuse, ctx.config.rateRead, 'read', request, reply);
    return sendError(request, reply, new AppError('NOT_FOUND'));
  });

  // Without configured origins there is no CORS at all (and no per-request cost for it).
  if (ctx.config.corsOrigins.length > 0) await app.register(cors, {
    origin: ctx.config.corsOrigins.includes('*') ? '*' : [...ctx.config.corsOrigins],
    methods: ['GET', 'HEAD', 'POST'],
    exposedHeaders: ['X-Request-ID', 'X-Content-SHA256', 'X-Downloads-Remaining', 'Location', 'ETag', 'Content-Disposition', 'Content-Range', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    allowedHeaders: ['Content-Type', 'X-Expiry', 'X-Burn-After-Read', 'X-Max-Downloads', 'X-Filename', 'X-PoW-Token', 'X-PoW-Solution', 'X-Request-ID', 'Range'],
    maxAge: 600,
  });
  await registerOpenApi(app, ctx);

  await app.register(
    async (scope) => {
      await opsRoutes(scope, ctx, storageFaults);
      await clientRoutes(scope, ctx);
      await challengeRoutes(scope, ctx);
      await pkiRoutes(scope, ctx);
      await registerRoutes(scope, ctx);
      await listRoutes(scope, ctx);
      await shortRoutes(scope, ctx);
      await metricsRoutes(scope, ctx);
      await fileRoutes(scope, ctx);
      await tusRoutes(scope, ctx);
      await pasteRoutes(scope, ctx);
      if (web?.ok) await webRoutes(scope, ctx, web.assets);
    },
    { prefix: ctx.config.urlPrefix },
  );
  return app;
}
