// The size the create route hands to ItemService (CreateBody.size): known for a raw body (its
// Content-Length) and a JSON body (its content's bytes), unknown for multipart and chunked bodies.
// A size is what sends a small body down the in-memory path, so losing it would switch that path
// off without any other test noticing.
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { readCreateBody, registerCreateParsers } from '../../../src/http/create-body.js';
import { BOUNDARY, multipartBody } from '../../helpers/multipart.js';

const MAX = 1024 * 1024;
let app: FastifyInstance | null = null;

async function sizeApp(): Promise<FastifyInstance> {
  const instance = Fastify();
  await instance.register(async (scope) => {
    registerCreateParsers(scope, MAX);
    await scope.register(import('@fastify/multipart'), { throwFileSizeLimit: true });
    scope.post('/', async (request) => {
      const body = await readCreateBody(request, MAX);
      let bytes = 0;
      for await (const chunk of body.stream) bytes += (chunk as Buffer).length;
      return { size: body.size, bytes };
    });
  });
  app = instance;
  return instance;
}

afterEach(async () => {
  await app?.close();
  app = null;
});

describe('CreateBody.size', () => {
  it('is the Content-Length of a raw body', async () => {
    const answer = await (await sizeApp()).inject({ method: 'POST', url: '/', payload: 'a'.repeat(1234), headers: { 'content-type': 'text/plain' } });
    expect(answer.json()).toEqual({ size: 1234, bytes: 1234 });
  });

  it("is the byte length of a JSON body's content, not of the JSON", async () => {
    const answer = await (await sizeApp()).inject({ method: 'POST', url: '/', payload: { content: 'é'.repeat(10) }, headers: { 'content-type': 'application/json' } });
    expect(answer.json()).toEqual({ size: 20, bytes: 20 });
  });

  it('is unknown (null) for a multipart body, whose length includes its framing', async () => {
    const payload = multipartBody([{ disposition: 'form-data; name="file"; filename="a.txt"', contentType: 'text/plain', content: 'hello multipart' }]);
    const answer = await (await sizeApp()).inject({ method: 'POST', url: '/', payload, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
    expect(answer.json()).toEqual({ size: null, bytes: 15 });
  });

  it('is unknown (null) for a body sent without a Content-Length (chunked)', async () => {
    const answer = await (await sizeApp()).inject({ method: 'POST', url: '/', payload: Readable.from([Buffer.from('streamed '), Buffer.from('body')]), headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } });
    expect(answer.json()).toEqual({ size: null, bytes: 13 });
  });
});
