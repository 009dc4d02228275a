// dedup-scope (black box): duplicate counting must not be a cross-client oracle. In the default
// `client` scope, a prober at another address learns nothing from 201 vs 429 about what a victim
// uploaded (a guessed salary figure), even after the victim's burn item is gone, and cannot block
// chosen content for the victim. In `global` scope (documented side channel) everyone shares one count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, hit, postPaste } from '../../helpers/abuse.js';

const VICTIM = { localAddress: '127.0.0.21' };
const PROBER = { localAddress: '127.0.0.22' };
const DEDUP = { SEALBIN_DEDUP_MAX: '1', SEALBIN_DEDUP_WINDOW: '3600' };

let perClient: RunningServer;
let global: RunningServer;
beforeAll(async () => {
  [perClient, global] = await Promise.all([startServer({ env: DEDUP }), startServer({ env: { ...DEDUP, SEALBIN_DEDUP_SCOPE: 'global' } })]);
});
afterAll(async () => {
  await Promise.all([disposeServer(perClient), disposeServer(global)]);
});

describe('dedup-scope', () => {
  it('client scope (default): probing every candidate salary reveals nothing about the victim, before or after the burn', async () => {
    const created = await postPaste(perClient.url, '4711', { 'x-burn-after-read': '1' }, VICTIM);
    expect(created.status).toBe(201);
    const probe = async () => {
      const answers = new Map<string, number>();
      for (const candidate of ['4700', '4711', '4712']) answers.set(candidate, (await postPaste(perClient.url, candidate, {}, PROBER)).status);
      return answers;
    };
    // Every candidate gets the same answer: the prober's own first upload of each.
    expect([...(await probe()).values()]).toEqual([201, 201, 201]);
    // The victim's item is read (burned); probing again still tells nothing (the prober's own repeats are 429 alike).
    expect((await hit(perClient.url, `/${String(created.json()['id'])}/raw`, VICTIM)).status).toBe(200);
    expect([...(await probe()).values()]).toEqual([429, 429, 429]);
  });

  it('client scope: a prober cannot block chosen content for the victim', async () => {
    for (let i = 0; i < 3; i++) await postPaste(perClient.url, 'the victim will need this', {}, PROBER);
    expect((await postPaste(perClient.url, 'the victim will need this', {}, VICTIM)).status).toBe(201);
    // The victim's own repeat is still caught: spam protection holds per client.
    expectErrorHit(await postPaste(perClient.url, 'the victim will need this', {}, VICTIM), 429, 'DUPLICATE_CONTENT');
  });

  it('global scope: one count for everyone (the documented side channel)', async () => {
    expect((await postPaste(global.url, '4711', {}, VICTIM)).status).toBe(201);
    expectErrorHit(await postPaste(global.url, '4711', {}, PROBER), 429, 'DUPLICATE_CONTENT');
    expect((await postPaste(global.url, '4712', {}, PROBER)).status).toBe(201);
  });
});
