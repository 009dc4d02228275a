// tus-expiry-abuse (black box): partial uploads expire after SEALBIN_TUS_EXPIRY and the cleanup
// sweep removes their files; creating one is a creation like any other (proof of work, and the one
// create budget shared with POST /), while PATCHes spend the read budget.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeServer, expectErrorHit, postPaste, solvedChallenge } from '../../helpers/abuse.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { createUpload, partialFiles, tusCreate, tusHead, tusPatch } from '../../helpers/tus.js';
import { waitFor } from '../../helpers/wait.js';

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await disposeServer(server);
});

describe('tus: expiry of partial uploads', () => {
  it('a partial upload older than SEALBIN_TUS_EXPIRY is removed by the sweep', async () => {
    // 6 s: the PATCH and the file check below must come before the sweep, even on a loaded machine.
    const server = await startServer({ env: { SEALBIN_TUS_EXPIRY: '6', SEALBIN_CLEANUP_INTERVAL: '1' } });
    servers.push(server);
    const create = await tusCreate(server.url, { 'upload-length': '200000' });
    expect(create.status, create.text).toBe(201);
    const expires = Date.parse(create.header('upload-expires') as string);
    expect(expires).toBeGreaterThan(Date.now() - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 8000);
    const path = new URL(create.header('location') as string).pathname;
    expect((await tusPatch(server.url, path, 0, randomBytes(100_000))).status).toBe(204);
    expect(partialFiles(server.dataDir, path).length).toBe(2);
    // No request touches it: the sweep alone must remove it.
    await waitFor(() => partialFiles(server.dataDir, path).length === 0, 'the sweep to remove the expired partial upload', { timeoutMs: 20_000, intervalMs: 200 });
    expect((await tusHead(server.url, path)).status).toBe(404);
    expect(existsSync(join(server.dataDir, 'tus'))).toBe(true);
  });
});

describe('tus: creation is a creation', () => {
  it('needs a proof of work when enabled, and shares the create budget with POST /; PATCH does not spend it', async () => {
    const server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '8', SEALBIN_RATE_CREATE: '3/hour' } });
    servers.push(server);
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '10' }), 400, 'POW_REQUIRED');
    const path = await createUpload(server.url, { 'upload-length': '10', ...(await solvedChallenge(server.url)).headers });
    // A used token is not good twice.
    const used = await solvedChallenge(server.url);
    await createUpload(server.url, { 'upload-length': '10', ...used.headers });
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '10', ...used.headers }), 400, 'POW_INVALID');
    // PATCHes need no proof and spend no create budget.
    expect((await tusPatch(server.url, path, 0, Buffer.from('01234'))).status).toBe(204);
    const last = await tusPatch(server.url, path, 5, Buffer.from('56789'));
    expect(last.status, last.text).toBe(204);
    expect(last.header('x-sealbin-id')).toMatch(/^[0-9a-f]{32}$/);
    const paste = await postPaste(server.url, 'third creation', (await solvedChallenge(server.url)).headers);
    expect(paste.status, paste.text).toBe(201);
    expectErrorHit(await tusCreate(server.url, { 'upload-length': '10', ...(await solvedChallenge(server.url)).headers }), 429, 'RATE_LIMITED');
  });
});
