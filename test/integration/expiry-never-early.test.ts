// expiry-never-early (black box): an item lives at least as long as X-Expiry asked, even when it is
// created in the last milliseconds of a second (whole-second clocks once let `X-Expiry: 1` live
// 26 ms). A 404 seen before one second has passed since the create request was sent can only mean
// the item died early; a busy machine can only make the 404 come later, never sooner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** Resolves once the wall clock is in the last 100 ms of a second. */
async function lateInASecond(): Promise<void> {
  while (Date.now() % 1000 < 900) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('expiry-never-early', () => {
  it.each(['paste', 'short link'])('X-Expiry: 1 on a %s created late in a second is still there a second later', async (kind) => {
    await lateInASecond();
    const sentAt = Date.now();
    let probe: string;
    if (kind === 'paste') {
      probe = (await createPaste(server.url, 'fleeting', { 'X-Expiry': '1' })).url;
    } else {
      const response = await fetch(`${server.url}/s`, { method: 'POST', headers: { 'X-Expiry': '1', 'content-type': 'text/plain' }, body: 'https://example.org/x' });
      expect(response.status).toBe(201);
      probe = `${((await response.json()) as { short_url: string }).short_url}/info`;
    }
    // Poll until it is gone (bounded); every 200 before that is fine, the first 404 must be late enough.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await fetch(probe);
      const seenAt = Date.now();
      if (response.status === 404) {
        expect(seenAt - sentAt, 'the item expired before the second it was given').toBeGreaterThanOrEqual(1000);
        return;
      }
      expect(response.status).toBe(200);
      expect(seenAt, 'the item never expired').toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
