// One route's part of the OpenAPI document: its zod schemas as JSON Schema (via the type provider),
// plus what the route schemas say for documentation only (request bodies, response headers) and the
// error answers every route of a kind can give.
import type { FastifySchema, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { ZodObject, ZodType, z } from 'zod';
import { errorJson } from '../api/error.js';
import type { RequestBodyDoc, ResponseHeadersDoc } from './schemas.js';

type Transform = Parameters<typeof jsonSchemaTransform>[0];
type DocumentedSchema = FastifySchema & { requestBody?: RequestBodyDoc; responseHeaders?: ResponseHeadersDoc; htmlPage?: string; response?: Record<string, unknown>; headers?: unknown };

/** Clients may send their own request id (sane values are echoed in X-Request-ID). */
const requestIdHeader = { 'x-request-id': z.string().optional().describe('your own request id (≤ 64 of [A-Za-z0-9._-]); echoed, else a new UUID') };

/** Error answers a route can give because of how it is configured, not because of what it does. */
function implicitResponses(route: RouteOptions): Record<string, z.ZodType> {
  const config = (route.config ?? {}) as { rateGroup?: string; bruteAction?: string };
  // Every request passes the identity check: a presented certificate that is revoked, expired or
  // untrusted is refused with 401, on any route.
  const implicit: Record<string, z.ZodType> = { 401: errorJson };
  if (config.rateGroup !== undefined || config.bruteAction !== undefined) Object.assign(implicit, { 429: errorJson, 503: errorJson });
  // Creations write: a full disk is 507, a database locked by another process 503.
  if (config.rateGroup === 'create') Object.assign(implicit, { 503: errorJson, 507: errorJson });
  return implicit;
}

/** What a status means on any route, unless the shape answering it carries its own description. */
const STATUS_DESCRIPTIONS: Readonly<Record<string, string>> = {
  200: 'OK',
  201: 'Created',
  400: 'Invalid input (error_code says which)',
  401: 'No identity where one is needed (AUTH_REQUIRED), or a presented client certificate refused (CERT_REVOKED, CERT_EXPIRED, CERT_UNTRUSTED)',
  403: 'Not allowed for this identity (FORBIDDEN)',
  404: 'Not found: missing, expired, burned or deleted are indistinguishable (NOT_FOUND)',
  409: 'Conflicts with the current state (e.g. CA_EXISTS, CA_MISSING, OFFSET_MISMATCH)',
  412: 'Tus-Resumable is missing or not 1.0.0 (TUS_VERSION_UNSUPPORTED, with Tus-Version)',
  413: 'Too large (TOO_LARGE) or over a quota (QUOTA_EXCEEDED)',
  415: 'The Content-Type is not read here (UNSUPPORTED_MEDIA_TYPE) or the content type is refused (TYPE_NOT_ALLOWED)',
  416: 'The range lies outside the content (RANGE_NOT_SATISFIABLE)',
  423: 'A request for the same upload is in progress on another instance and did not stop in time (UPLOAD_LOCKED)',
  429: 'RATE_LIMITED or BLOCKED, with Retry-After',
  500: 'Integrity check failed (INTEGRITY_CHECK_FAILED) or an internal error',
  503: 'BACKEND_UNAVAILABLE: the shared counter backend is unreachable (limits fail closed); DATABASE_BUSY: the database is locked by another process (Retry-After); SHUTTING_DOWN: the server is stopping (Retry-After)',
  507: 'INSUFFICIENT_STORAGE: the disk is full (Retry-After)',
};

/** A response's description: its own, the shape's (2xx), or what the status means anywhere. */
function describeResponse(status: string, declared: unknown): string | undefined {
  const own = declared instanceof ZodType && Number(status) < 400 ? declared.description : undefined;
  return own ?? STATUS_DESCRIPTIONS[status];
}

/** Converts one zod schema with the type provider's own settings (target, $refs to components). */
function toJsonSchema(input: Transform, schema: z.ZodType): unknown {
  return jsonSchemaTransform({ ...input, schema: { body: schema } }).schema.body;
}

/** The per-route transform @fastify/swagger calls: zod to JSON Schema, plus our documentation-only keys. */
export function transformRoute(input: Transform): { schema: FastifySchema; url: string } {
  const { requestBody, responseHeaders, htmlPage, ...schema } = input.schema as DocumentedSchema;
  const response = schema.response ? { ...implicitResponses(input.route), ...schema.response } : undefined;
  // Documentation copy only: Fastify validates the route's own headers schema, not this one.
  const headers = schema.headers instanceof ZodObject ? schema.headers.extend(requestIdHeader) : z.object(requestIdHeader);
  const result = jsonSchemaTransform({ ...input, schema: { ...schema, headers, ...(response ? { response } : {}) } });
  const out = result.schema as FastifySchema & Record<string, unknown>;
  const responses = (out['response'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [status, documented] of Object.entries(responses)) {
    const description = describeResponse(status, response?.[status]);
    if (documented['description'] === undefined && description !== undefined) documented['description'] = description;
  }
  for (const [status, named] of Object.entries(responseHeaders ?? {})) {
    const documented = responses[status];
    // @fastify/swagger turns a response schema's `headers` into the response's header objects.
    if (documented) documented['headers'] = Object.fromEntries(Object.entries(named).map(([name, description]) => [name, { type: 'string', description }]));
  }
  const ok = responses['200'];
  if (htmlPage && ok) {
    // The same 200 also comes as text/html for browsers: a second media type next to the API's.
    const page = { schema: { type: 'string', description: htmlPage } };
    if (typeof ok['content'] === 'object' && ok['content'] !== null) ok['content'] = { ...(ok['content'] as Record<string, unknown>), 'text/html': page };
    else {
      const { description, ...json } = ok;
      responses['200'] = { description, content: { 'application/json': { schema: json }, 'text/html': page } };
    }
  }
  if (requestBody) {
    const content = Object.fromEntries(Object.entries(requestBody.content).map(([type, zod]) => [type, { schema: toJsonSchema(input, zod) }]));
    // Read by @fastify/swagger only (Fastify never sees this copy): it becomes the requestBody.
    out['body'] = { description: requestBody.description, content };
  }
  // @fastify/swagger names a HEAD route's operation "<operationId>-head"; ours are unique already.
  if (input.route.method === 'HEAD' && typeof out['operationId'] === 'string') out['operationId'] = out['operationId'].replace(/-head$/, '');
  return { schema: out, url: result.url };
}
