// GET /openapi.json: the document @fastify/swagger builds from the route schemas (schemas.ts via
// openapi-route.ts), with what only the whole document can say: version, servers, security schemes.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';
import { transformDocument } from './openapi-components.js';
import { transformRoute } from './openapi-route.js';

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
    transform: transformRoute,
    transformObject: transformDocument,
  });
}
