// flood-raises-difficulty-and-decays (black box, 3 s window): more than FLOOD_THRESHOLD
// creations in a FLOOD_WINDOW raise the difficulty shown by GET / and /challenge by FLOOD_STEP;
// challenges stockpiled before the rise are refused with the new difficulty; a quiet window later
// it is back to base. (Exact windows, stacking and caps are unit-tested on an injected clock.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../../src/security/pow.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, eventually, expectErrorHit, getChallenge, hit, postPaste, solvedChallenge } from '../../helpers/abuse.js';

const BASE = 4;
const STEP = 4;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: String(BASE), SEALBIN_POW_MAX: '12', SEALBIN_FLOOD_THRESHOLD: '1', SEALBIN_FLOOD_WINDOW: '3', SEALBIN_FLOOD_STEP: String(STEP) } });
});
afterAll(async () => {
  await disposeServer(server);
});

async function create(i: number): Promise<void> {
  const { headers } = await solvedChallenge(server.url);
  const response = await postPaste(server.url, `flood paste ${i} ${Math.random()}`, headers);
  expect(response.status, response.text).toBe(201);
}

async function currentDifficulty(): Promise<number> {
  return (await getChallenge(server.url)).difficulty;
}

describe('flood-raises-difficulty-and-decays', () => {
  it('raises the difficulty on a burst, makes stockpiled cheap challenges stale, and decays after a quiet window', async () => {
    expect(await currentDifficulty()).toBe(BASE);
    // A bot stockpiles cheap challenges before flooding.
    const stockpiled = await getChallenge(server.url);
    expect(stockpiled.difficulty).toBe(BASE);

    // The threshold itself is allowed: one creation raises nothing.
    await create(1);
    expect(await currentDifficulty()).toBe(BASE);

    // The flood: keep creating until the difficulty rises (two creations in one 3 s window do it; a 1 s
    // window was too short for a loaded machine to fit two creations and their challenges in it).
    let raised = BASE;
    let creations = 1;
    while (raised === BASE && creations < 12) {
      await create(++creations);
      raised = await currentDifficulty();
    }
    // Right after the rise (the level lives to the end of the next window, ≥ 3 s): GET / shows it, the stockpile is stale.
    const info = (await hit(server.url, '/')).json();
    const stale = await postPaste(server.url, 'with a stockpiled challenge', { 'x-pow-token': stockpiled.token as string, 'x-pow-solution': solve(stockpiled.nonce as string, BASE) });

    expect(raised, `difficulty after ${creations} creations`).toBe(BASE + STEP);
    expect(info['pow']).toEqual({ enabled: true, difficulty: BASE + STEP });
    const body = expectErrorHit(stale, 400, 'POW_INVALID');
    expect(body['difficulty']).toBe(BASE + STEP);

    // No more creations: after a quiet window it is back to base (within 6 s of the breach).
    expect(await eventually(async () => (await currentDifficulty()) === BASE, 12_000)).toBe(true);
    expect((await hit(server.url, '/')).json()['pow']).toEqual({ enabled: true, difficulty: BASE });
    await create(6);
  });
});
