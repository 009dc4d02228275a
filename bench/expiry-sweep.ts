// The expiry sweep's cost to everything else on the event loop (issue 12): stores N small items that
// are already expired through the real SQLite stores, runs one sweep, and reports how long the event
// loop was held (monitorEventLoopDelay) and how late a 5 ms ticker fired meanwhile. A stalled loop
// is what a concurrent reader of a live item waits for.
//   npx tsx bench/expiry-sweep.ts [items=30000]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sweepExpired } from '../src/core/cleanup.js';
import { openSqliteStores } from '../src/storage/sqlite/sqlite-stores.js';
import type { ItemRecord } from '../src/storage/ports.js';
import { item } from '../test/storage/records.js';

const count = Number(process.argv[2] ?? 30_000);
const dir = mkdtempSync(join(tmpdir(), 'sealbin-sweep-bench-'));
const stores = await openSqliteStores(join(dir, 'sealbin.db'));
const now = Math.floor(Date.now() / 1000);
// Conformance-suite records: random ids, small inline ciphertext, already expired.
const row = (): ItemRecord => item({ deleteTokenHash: randomBytes(32).toString('hex'), size: 100, sha256: randomBytes(32).toString('hex'), createdAt: now - 10, expiresAt: now - 1, inline: randomBytes(140) });
// insertItem group-commits: all of these land in one transaction.
await Promise.all(Array.from({ length: count }, () => stores.metadata.insertItem(row())));

const histogram = monitorEventLoopDelay({ resolution: 1 });
const lateness: number[] = [];
let expected = performance.now() + 5;
const ticker = setInterval(() => {
  const at = performance.now();
  lateness.push(at - expected);
  expected = at + 5;
}, 5);
histogram.enable();
const started = performance.now();
// A ticker that never fires has no lateness to report: the loop was held for the whole sweep.
expected = started + 5;
const removed = await sweepExpired({ metadata: stores.metadata, blobs: { remove: async () => undefined } as never, clock: { now: () => now }, onError: (error) => console.error(error) });
const took = performance.now() - started;
lateness.push(performance.now() - expected);
histogram.disable();
clearInterval(ticker);
lateness.sort((a, b) => a - b);
const pick = (q: number) => (lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))] ?? 0).toFixed(1);
console.log(
  JSON.stringify({
    items: count,
    removed,
    sweepMs: Math.round(took),
    loopDelayMaxMs: Math.round(histogram.max / 1e6),
    loopDelayP99Ms: Number((histogram.percentile(99) / 1e6).toFixed(1)),
    tickerFired: lateness.length,
    tickerLateP50Ms: pick(0.5),
    tickerLateP99Ms: pick(0.99),
    tickerLateMaxMs: (lateness.at(-1) ?? 0).toFixed(1),
  }),
);
await stores.metadata.close();
rmSync(dir, { recursive: true, force: true });
