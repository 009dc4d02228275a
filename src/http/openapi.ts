// GET /openapi.json: the document @fastify/swagger builds from the route schemas (schemas.ts), plus
// what those schemas cannot say by themselves: security schemes, servers, documentation-only
// request bodies, and the error answers every route of a kind can give.
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ZodObject, ZodType, z } from 'zod';
import { errorJson } from '../api/error.js';
import type { AppContext } from './context.js';
import type { RequestBodyDoc, ResponseHeadersDoc } from './schemas.js';

type Transform = Parameters<typeof jsonSchemaTransform>[0];
/** The parts of a document this file reads. */
interface DocumentParts {
  paths?: unknown;
  components?: { schemas?: Record<string, unknown> };
}

type DocumentedSchema = FastifySchema & { requestBody?: RequestBodyDoc; responseHeaders?: ResponseHeadersDoc; response?: Record<string, unknown>; headers?: unknown };

/** Clients may send their own request id (sane values are echoed in X-Request-ID). */
const requestIdHeader = { 'x-request-id': z.string().optional().describe('your own request id (≤ 64 of [A-Za-z0-9._-]); echoed, else a new UUID') };

/** Error answers a route can give because of how it is configured, not because of what it does. */
function implicitResponses(route: RouteOptions): Record<string, z.ZodType> {
  const config = (route.config ?? {}) as { rateGroup?: string; bruteAction?: string };
  // Every request passes the identity check: a presented certificate that is revoked, expired or
  // untrusted is refused with 401, on any route.
  const implicit: Record<string, z.ZodType> = { 401: errorJson };
  if (config.rateGroup !== undefined || config.bruteAction !== undefined) Object.assign(implicit, { 429: errorJson, 503: errorJson });
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
  409: 'Conflicts with the current state (e.g. CA_EXISTS, CA_MISSING)',
  413: 'Too large (TOO_LARGE) or over a quota (QUOTA_EXCEEDED)',
  416: 'The range lies outside the content (RANGE_NOT_SATISFIABLE)',
  429: 'RATE_LIMITED or BLOCKED, with Retry-After',
  500: 'Integrity check failed (INTEGRITY_CHECK_FAILED) or an internal error',
  503: 'BACKEND_UNAVAILABLE: the shared counter backend is unreachable (limits fail closed)',
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

function transform(input: Transform): { schema: FastifySchema; url: string } {
  const { requestBody, responseHeaders, ...schema } = input.schema as DocumentedSchema;
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
  if (requestBody) {
    const content = Object.fromEntries(Object.entries(requestBody.content).map(([type, zod]) => [type, { schema: toJsonSchema(input, zod) }]));
    // Read by @fastify/swagger only (Fastify never sees this copy): it becomes the requestBody.
    out['body'] = { description: requestBody.description, content };
  }
  // @fastify/swagger names a HEAD route's operation "<operationId>-head"; ours are unique already.
  if (input.route.method === 'HEAD' && typeof out['operationId'] === 'string') out['operationId'] = out['operationId'].replace(/-head$/, '');
  return { schema: out, url: result.url };
}

/** Every `$ref` target in a document. */
function referenced(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const entry of node) referenced(entry, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value.replace('#/components/schemas/', ''));
      else referenced(value, found);
    }
  }
  return found;
}

/** Adds the registered shapes (src/api/) as components, keeping only those the document refers to. */
function transformObject(input: Parameters<typeof jsonSchemaTransformObject>[0]): ReturnType<typeof jsonSchemaTransformObject> {
  const document = jsonSchemaTransformObject(input);
  const parts = document as DocumentParts;
  const schemas = parts.components?.schemas ?? {};
  const used = new Set<string>();
  let frontier = referenced({ paths: parts.paths });
  // Components refer to components: follow until nothing new turns up.
  while (frontier.size > 0) {
    const next = new Set<string>();
    for (const name of frontier) {
      if (used.has(name)) continue;
      used.add(name);
      for (const inner of referenced(schemas[name])) next.add(inner);
    }
    frontier = next;
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...parts.components, schemas: kept } } as ReturnType<typeof jsonSchemaTransformObject>;
}

export async function registerOpenApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config } = ctx;
  await app.register(swagger, {
    openapi: {
      // 3.1: the first version with a mutualTLS security scheme (client certificates).
      openapi: '3.1.0',
      info: {
        title: 'Sealbin',
        version: ctx.version,
        description: 'Encrypted paste, file-drop and short-link server.',
        license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
      },
      // Paths are relative to the URL prefix; without a public URL the server is wherever this document was fetched from.
      servers: [{ url: config.publicUrl ? `${config.publicUrl}${config.urlPrefix}` : config.urlPrefix || '/' }],
      components: {
        securitySchemes: {
          // The typings @fastify/swagger ships predate the mutualTLS type of OpenAPI 3.1.
          clientCertificate: {
            type: 'mutualTLS',
            description: 'A client certificate issued by this server\'s CA (or one in SEALBIN_TRUSTED_CA_FILE); behind a trusted reverse proxy it arrives in X-SSL-Client-Cert. Admins are listed in SEALBIN_ADMINS or issued with the admin role.',
          } as never,
          deleteToken: { type: 'apiKey', in: 'header', name: 'X-Delete-Token', description: 'The delete_token returned once when an anonymous paste was created.' },
        },
      },
      // Anonymous by default; a client certificate is optional and makes the caller an owner.
      security: [{}, { clientCertificate: [] }],
    },
    // HEAD is routed explicitly (it never burns), so it is part of the API.
    exposeHeadRoutes: true,
    transform,
    transformObject,
  });
}
