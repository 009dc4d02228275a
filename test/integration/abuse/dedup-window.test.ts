// dedup-window (black box, 5 s window): the same content stored DEDUP_MAX (3) times in the window is
// refused the 4th time with 429 DUPLICATE_CONTENT, whether sent as a paste or a file; other content
// is unaffected; after the window it is accepted again. The window is counted in whole seconds, so it
// lasts between 4 and 5 s: room for a busy 2-core machine to send four requests inside it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, postPaste, postUpload } from '../../helpers/abuse.js';
import { waitFor } from '../../helpers/wait.js';

const WINDOW = 5;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_DEDUP_MAX: '3', SEALBIN_DEDUP_WINDOW: String(WINDOW) } });
});
afterAll(async () => {
  await disposeServer(server);
});

const unique = (label: string) => `${label} ${randomBytes(8).toString('hex')}\n`;

describe('dedup-window', () => {
  it('refuses the 4th identical paste with 429 DUPLICATE_CONTENT, while other content goes through', async () => {
    const spam = unique('BUY CHEAP WATCHES');
    for (let i = 0; i < 3; i++) expect((await postPaste(server.url, spam)).status).toBe(201);
    const fourth = await postPaste(server.url, spam);
    expectErrorHit(fourth, 429, 'DUPLICATE_CONTENT');
    expectErrorHit(await postPaste(server.url, spam), 429, 'DUPLICATE_CONTENT');
    expect((await postPaste(server.url, unique('something else'))).status).toBe(201);
    // One byte more is other content.
    expect((await postPaste(server.url, `${spam}!`)).status).toBe(201);
  });

  it('counts pastes and file uploads of the same bytes together', async () => {
    const spam = unique('same bytes, different doors');
    expect((await postPaste(server.url, spam)).status).toBe(201);
    expect((await postUpload(server.url, spam, 'a.txt')).status).toBe(201);
    expect((await postUpload(server.url, spam, 'b.bin')).status).toBe(201);
    expectErrorHit(await postUpload(server.url, spam, 'c.txt'), 429, 'DUPLICATE_CONTENT');
    expectErrorHit(await postPaste(server.url, spam), 429, 'DUPLICATE_CONTENT');
  });

  it('counts binary content by its hash too (random bytes, sent 5 times in parallel: 3 stored)', async () => {
    const blob = randomBytes(2048);
    const responses = await Promise.all(Array.from({ length: 5 }, () => postPaste(server.url, blob)));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(3);
    for (const refused of responses.filter((r) => r.status !== 201)) expectErrorHit(refused, 429, 'DUPLICATE_CONTENT');
  });

  it('accepts the content again once the window is over, not before', async () => {
    const spam = unique('patient spammer');
    const firstAt = Date.now();
    for (let i = 0; i < 3; i++) expect((await postPaste(server.url, spam)).status).toBe(201);
    expectErrorHit(await postPaste(server.url, spam), 429, 'DUPLICATE_CONTENT');
    // The window is fixed from the first upload and counted in whole seconds: it ends between
    // WINDOW - 1 and WINDOW seconds after it. Retry until accepted; refusals meanwhile stay 429.
    const accepted = await waitFor(
      async () => {
        const response = await postPaste(server.url, spam);
        if (response.status !== 201) expectErrorHit(response, 429, 'DUPLICATE_CONTENT');
        return response.status === 201;
      },
      'the duplicate window to end',
      { timeoutMs: (WINDOW + 5) * 1000, intervalMs: 250 },
    );
    expect(accepted).toBe(true);
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual((WINDOW - 1) * 1000);
  });
});
