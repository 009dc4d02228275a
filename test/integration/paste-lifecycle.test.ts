import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

describe('paste lifecycle', () => {
  it('creates, reads metadata and raw content, and deletes with the token', async () => {
    const created = await createPaste(server.url, 'hello sealbin');
    expect(created.id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.url).toBe(`${server.url}/${created.id}`);
    expect(created.sha256).toBe(createHash('sha256').update('hello sealbin').digest('hex'));
    expect(created.delete_token).toBeTypeOf('string');

    const meta = await fetch(created.url);
    expect(meta.status).toBe(200);
    const body = (await meta.json()) as Record<string, unknown>;
    expect(body['delete_token']).toBeUndefined();
    expect(body['size']).toBe(13);

    const raw = await fetch(created.raw);
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await raw.text()).toBe('hello sealbin');

    const wrong = await fetch(created.url, { method: 'DELETE', headers: { 'X-Delete-Token': 'nope' } });
    expect(wrong.status).toBe(403);
    const none = await fetch(created.url, { method: 'DELETE' });
    expect(none.status).toBe(401);
    const deleted = await fetch(created.url, { method: 'DELETE', headers: { 'X-Delete-Token': created.delete_token as string } });
    expect(deleted.status).toBe(204);
    expect((await fetch(created.raw)).status).toBe(404);
  });
});
