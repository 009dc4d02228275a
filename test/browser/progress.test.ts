// The create form's two progress bars move while the work happens: the proof of work is solved in a Web
// Worker and #pow-progress shows hashes tried before it is done; #upload-progress follows the upload's
// bytes up to the size of the body actually sent (the ciphertext for an encrypted file).
import { randomBytes } from 'node:crypto';
import type { Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, browserUnavailable, inPage, openAt, splitLink, useBrowser, waitForState } from '../helpers/browser.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

/**
 * 2^18 hashes expected, in blocks of 2^16 per worker report: a few reports before the answer, well
 * under a second of solving on a busy 2-core machine (the CLI's solver does ~1.3 M hashes/s per core).
 */
const DIFFICULTY = 18;

interface BarValue {
  value: number;
  max: number;
}

/**
 * Records every value the two bars take, from now on. A MutationObserver sees each change of the
 * value/max attributes (the <progress> properties reflect to them), so no value is missed between
 * polls; its callback runs after each progress handler's task, when value and max agree.
 */
function recordBars(page: Page): Promise<void> {
  return inPage(
    page,
    `(() => {
      window.__bars = { pow: [], upload: [] };
      for (const [name, id] of [['pow', 'pow-progress'], ['upload', 'upload-progress']]) {
        const bar = document.getElementById(id);
        new MutationObserver(() => window.__bars[name].push({ value: bar.value, max: bar.max })).observe(bar, { attributes: true, attributeFilter: ['value', 'max'] });
      }
    })()`,
  );
}

const barsSeen = (page: Page): Promise<{ pow: BarValue[]; upload: BarValue[] }> => inPage(page, 'window.__bars');

describe.skipIf(browserUnavailable !== null)(browserSuite('web page: proof-of-work and upload progress'), () => {
  const browsers = useBrowser();
  let server: RunningServer;

  beforeAll(async () => {
    // The flood threshold stays out of the way: the difficulty must be the one chosen here.
    server = await startServer({ env: { SEALBIN_POW_DIFFICULTY: String(DIFFICULTY), SEALBIN_FLOOD_THRESHOLD: '1000' } });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  /** Opens the create form with the recorder and a list of the workers the page starts. */
  async function createForm(): Promise<{ page: Page; workers: Worker[] }> {
    const page = await browsers.newPage();
    const workers: Worker[] = [];
    page.on('worker', (worker) => workers.push(worker));
    await openAt(page, `${server.url}/`, 'ready');
    await recordBars(page);
    return { page, workers };
  }

  it('the proof of work runs in a Web Worker and its bar shows progress before it is done', async () => {
    const challenge = (await (await fetch(`${server.url}/challenge`)).json()) as { enabled: boolean; difficulty: number };
    expect(challenge).toMatchObject({ enabled: true, difficulty: DIFFICULTY });

    const { page, workers } = await createForm();
    await page.fill('#text', 'worth a proof of work\n');
    await page.click('#create');
    await waitForState(page, 'created');

    expect(workers.length).toBeGreaterThanOrEqual(1);
    expect(workers[0]?.url()).toMatch(/\/pow-worker-[A-Z0-9]+\.js$/);
    const { pow } = await barsSeen(page);
    // Below 1: a report of hashes tried while solving, not the reset at the start or "done" at the end.
    const highestWhileSolving = Math.max(0, ...pow.map((bar) => bar.value / bar.max).filter((fraction) => fraction < 1));
    expect(highestWhileSolving).toBeGreaterThan(0);
    expect(pow.at(-1)).toEqual({ value: 1, max: 1 });
  });

  it('the upload bar of a 4 MiB encrypted file goes through intermediate values up to the ciphertext size', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const { page } = await createForm();
    // Over loopback the whole body can leave in one go, leaving the bar nothing between 0 and done.
    // Throttled to 8 MiB/s the upload takes about half a second, long enough for several progress events.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * 1024 * 1024 });
    await page.setInputFiles('#file', { name: 'four.bin', mimeType: 'application/octet-stream', buffer: data });
    await page.click('#create');
    await waitForState(page, 'created', 90_000);

    // The body sent is the ciphertext: the stored size, which /status reports without spending a read.
    const phrase = splitLink(await page.inputValue('#link')).path.split('/').pop() ?? '';
    const stored = ((await (await fetch(`${server.url}/status/${phrase}`)).json()) as { size: number }).size;
    expect(stored).toBeGreaterThan(data.length);

    const { upload } = await barsSeen(page);
    // max comes only from the upload's progress events (it starts at 1): the total the browser sent.
    const sized = upload.filter((bar) => bar.max === stored);
    expect(sized.length).toBeGreaterThanOrEqual(1);
    expect(sized.some((bar) => bar.value > 0 && bar.value < stored)).toBe(true);
    expect(upload.at(-1)).toEqual({ value: stored, max: stored });
  });
});
