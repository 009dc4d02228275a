// GET /{id} serialises itemView with JSON.stringify instead of the route's zod serializer (a hot
// path): for any item, the bytes must be exactly what the zod serializer of the contract's shape gives.
import fc from 'fast-check';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { createdItemJson, itemJson } from '../../../src/api/items.js';
import { createdItemView, itemView } from '../../../src/http/views.js';
import type { ItemRecord } from '../../../src/storage/ports.js';
import { item } from '../../storage/records.js';

const serialize = serializerCompiler({ schema: itemJson, method: 'GET', url: '/:id', httpStatus: '200' }) as (data: unknown) => string;
const serializeCreated = serializerCompiler({ schema: createdItemJson, method: 'POST', url: '/', httpStatus: '201' }) as (data: unknown) => string;

const records = fc.record({
  size: fc.nat(),
  mimeType: fc.string(),
  filename: fc.option(fc.string(), { nil: null }),
  sha256: fc.oneof(fc.constant('ab'.repeat(32)), fc.constant('sd1:sealed')),
  createdAt: fc.nat(),
  expiresAt: fc.option(fc.nat(), { nil: null }),
  burnAfterRead: fc.boolean(),
  downloadsRemaining: fc.option(fc.nat(), { nil: null }),
  owner: fc.option(fc.constant('f0'.repeat(32)), { nil: null }),
});

describe('the metadata JSON of GET /{id}', () => {
  it('is byte for byte what the zod serializer of the Item shape produces', () => {
    fc.assert(
      fc.property(records, fc.constantFrom('http://127.0.0.1:8080', 'https://paste.example.org/p'), (fields, base) => {
        const record: ItemRecord = item(fields);
        const view = itemView(record, base);
        expect(JSON.stringify(view)).toBe(serialize(view));
      }),
    );
  });
});

// POST / and POST /upload answer with createdItemView, serialised the same way.
describe('the 201 JSON of a creation', () => {
  it('is byte for byte what the zod serializer of the CreatedItem shape produces, with or without token and key', () => {
    const token = fc.option(fc.string({ minLength: 1 }), { nil: null });
    const key = fc.option(fc.constant('correct-horse-battery-staple-orbit-lantern'), { nil: null });
    fc.assert(
      fc.property(records, fc.constantFrom('http://127.0.0.1:8080', 'https://paste.example.org/p'), token, key, (fields, base, deleteToken, downloadKey) => {
        const view = createdItemView(item(fields), base, { deleteToken, key: downloadKey });
        expect(JSON.stringify(view)).toBe(serializeCreated(view));
        expect('delete_token' in JSON.parse(JSON.stringify(view))).toBe(deleteToken !== null);
        expect(JSON.parse(JSON.stringify(view)).download_url).toBe(downloadKey === null ? undefined : `${base}/download/${downloadKey}`);
      }),
    );
  });
});
