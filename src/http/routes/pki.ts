// The built-in PKI over HTTP: CA bootstrap, status, CA certificate, CRL, issue, list, revoke.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { caRequestJson, issueRequestJson } from '../../api/pki.js';
import { AppError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { actorOf, isDirectLoopback, requireAdmin } from '../identity.js';
import { schemas } from '../schemas.js';

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AppError('INVALID_REQUEST', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export async function pkiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { pki } = ctx;

  // CA bootstrap: an admin, or the operator on this machine while no CA exists; nobody else.
  // Authorisation runs before schema validation and state: a 409 or a 400 would tell an outsider
  // whether a CA exists or how the endpoint parses, which is none of their business.
  const mayCreateCa = async (request: FastifyRequest): Promise<void> => {
    if (request.identity?.admin === true) return;
    if (!isDirectLoopback(request) || (await pki.caExists())) {
      throw new AppError('FORBIDDEN', 'Only an admin (or a local request before a CA exists) may create the CA.');
    }
  };

  app.post('/pki/ca', { schema: schemas.pkiCa, preValidation: mayCreateCa }, async (request: FastifyRequest, reply) => {
    const body = parse(caRequestJson, request.body);
    if (await pki.caExists()) throw new AppError('CA_EXISTS');
    return reply.code(201).send(await pki.createCa(body.common_name, body.days, actorOf(request), request.id));
  });

  app.get('/pki/status', { schema: schemas.pkiStatus }, async () => pki.status());

  app.get('/pki/ca.crt', { schema: schemas.caCertificate }, async (_request, reply) =>
    reply.type('application/x-pem-file').header('content-disposition', 'attachment; filename="sealbin-ca.crt"').send(await pki.caPem()),
  );

  app.get('/pki/crl', { schema: schemas.crl }, async (_request, reply) =>
    reply.type('application/x-pem-file').header('content-disposition', 'attachment; filename="sealbin.crl"').send(await pki.crlPem()),
  );

  app.post('/pki/issue', { schema: schemas.pkiIssue }, async (request, reply) => {
    requireAdmin(request);
    const body = parse(issueRequestJson, request.body);
    const issued = await pki.issue({ commonName: body.common_name, days: body.days, admin: body.admin, csr: body.csr }, actorOf(request), request.id, 'issued');
    return reply.code(201).send(issued);
  });

  app.get('/pki/certs', { schema: schemas.pkiCerts }, async (request) => {
    requireAdmin(request);
    return { certificates: await pki.listCerts() };
  });

  app.post('/pki/revoke/:serial', { schema: schemas.pkiRevoke }, async (request: FastifyRequest<{ Params: { serial: string } }>) => {
    requireAdmin(request);
    return pki.revoke(request.params.serial, actorOf(request), request.id);
  });
}
