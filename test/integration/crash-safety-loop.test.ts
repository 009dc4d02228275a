// The kill -9 loop (issue 12): the real server is killed with SIGKILL while 8 clients create items
// (small ones stored inline, 1-4 MiB ones as blobs), then restarted on the same data dir, round after
// round. Every item that was acknowledged (201) in any round must read back byte for byte, and after
// the restart's start-up sweep no blob file may lack its row and no temp (.part) file may remain.
// CRASH_ROUNDS=20 runs the long version; CI runs the default few rounds.
import { afterAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import type { Created } from '../helpers/http.js';
import { blobFiles, tmpFiles } from '../helpers/data-dir.js';
import { waitFor } from '../helpers/wait.js';

const ROUNDS = Number(process.env['CRASH_ROUNDS'] ?? 4);
const WORKERS = 8;
const MiB = 1024 * 1024;

interface Acknowledged {
  id: string;
  size: number;
  sha256: string;
  round: number;
}

const servers: RunningServer[] = [];
afterAll(async () => {
  // Every server shares the one data dir: disposing them all removes it once.
  for (const server of servers) await server.dispose();
});

/** Two small items (inline in the database) for every large one (a blob file), in random sizes. */
function nextContent(): Buffer {
  return randomInt(3) === 0 ? randomBytes(randomInt(1 * MiB, 4 * MiB + 1)) : randomBytes(randomInt(1, 48 * 1024));
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Creates items one after another until told to stop; keeps the acknowledged ones. */
async function worker(server: RunningServer, round: number, acknowledged: Acknowledged[], unexpected: string[], stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    const content = nextContent();
    let response: Response;
    try {
      response = await fetch(`${server.url}/`, { method: 'POST', body: new Uint8Array(content), headers: { 'Content-Type': 'application/octet-stream' } });
    } catch {
      // The server died under this request: no answer, nothing acknowledged.
      continue;
    }
    let body: string;
    try {
      body = await response.text();
    } catch {
      continue;
    }
    if (response.status !== 201) {
      unexpected.push(`${response.status} ${body}`);
      continue;
    }
    const created = JSON.parse(body) as Created;
    // The server's own view of what it stored must match what was sent, before we rely on it.
    expect(created.size).toBe(content.length);
    expect(created.sha256).toBe(sha256(content));
    acknowledged.push({ id: created.id, size: content.length, sha256: created.sha256, round });
  }
}

/** Makes every leftover in blobs/ look a day old, so a sweep that spares recent files still owes us these. */
function ageLeftovers(dataDir: string): void {
  const dayAgo = new Date(Date.now() - 86_400_000);
  for (const file of [...tmpFiles(dataDir), ...blobFiles(dataDir)]) utimesSync(join(dataDir, file), dayAgo, dayAgo);
}

/** Blob ids the database refers to (read-only, beside the running server). */
function referencedBlobs(dataDir: string): Set<string> {
  const db = new BetterSqlite3(join(dataDir, 'sealbin.db'), { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare('SELECT blob_id FROM items WHERE blob_id IS NOT NULL').all() as { blob_id: string }[]).map((row) => row.blob_id));
  } finally {
    db.close();
  }
}

describe('kill -9 under 8 concurrent creates, restart, repeat', () => {
  it(`loses no acknowledged item and leaves no orphan over ${ROUNDS} rounds`, { timeout: 60_000 + ROUNDS * 60_000 }, async () => {
    const acknowledged: Acknowledged[] = [];
    const unexpected: string[] = [];
    let server = await startServer();
    servers.push(server);
    const dataDir = server.dataDir;
    let leftoversSeen = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      // A different moment in every round: after a few (random) acknowledged small and large items,
      // with 8 creates in flight. Small ones finish far sooner, so both kinds are waited for.
      const target = { small: randomInt(4, 11), large: randomInt(1, 3) };
      const inRound = (large: boolean) => acknowledged.filter((item) => item.round === round && item.size > 64 * 1024 === large).length;
      let stop = false;
      const workers = Array.from({ length: WORKERS }, () => worker(server, round, acknowledged, unexpected, () => stop));
      await waitFor(() => (inRound(false) >= target.small && inRound(true) >= target.large) || unexpected.length > 0, `round ${round}: ${target.small} small and ${target.large} large acknowledged creates`, { timeoutMs: 60_000, intervalMs: 10 });
      await server.kill();
      stop = true;
      await Promise.all(workers);
      expect(server.process.signalCode).toBe('SIGKILL');
      expect(unexpected, 'every create answered before the crash was a 201').toEqual([]);
      leftoversSeen += tmpFiles(dataDir).length;

      ageLeftovers(dataDir);
      server = await startServer({ dataDir });
      servers.push(server);

      // After the start-up sweep (it runs beside listening): no temp file, and every blob file belongs
      // to a row (and vice versa).
      await waitFor(() => tmpFiles(dataDir).length === 0 && blobFiles(dataDir).length === referencedBlobs(dataDir).size, `round ${round}: the start-up sweep to remove the aged leftovers`, { timeoutMs: 30_000 });
      expect(tmpFiles(dataDir), `round ${round}: temp files after the restart`).toEqual([]);
      const files = blobFiles(dataDir).map((file) => basename(file)).sort();
      expect(files, `round ${round}: blob files against the rows that refer to them`).toEqual([...referencedBlobs(dataDir)].sort());

      // Every item acknowledged so far, in this round or any earlier one, reads back byte for byte.
      for (const item of acknowledged) {
        const response = await fetch(`${server.url}/${item.id}/raw`);
        const content = Buffer.from(await response.arrayBuffer());
        expect(response.status, `round ${round}: item ${item.id} from round ${item.round}`).toBe(200);
        expect(content.length).toBe(item.size);
        expect(sha256(content), `round ${round}: content of ${item.id} from round ${item.round}`).toBe(item.sha256);
      }
    }

    // The loop did what it claims: blobs and inline items were both acknowledged, and crashes hit uploads mid-way.
    expect(acknowledged.some((item) => item.size > 64 * 1024)).toBe(true);
    expect(acknowledged.some((item) => item.size <= 48 * 1024)).toBe(true);
    expect(leftoversSeen, 'temp files of uploads cut by the kills (the sweep had something to do)').toBeGreaterThan(0);
    expect(await server.stop()).toBe(0);
    const blobs = acknowledged.filter((item) => item.size > 64 * 1024);
    console.info(`kill -9 loop: ${ROUNDS} rounds, ${acknowledged.length} acknowledged items (${blobs.length} blobs, ${(blobs.reduce((sum, item) => sum + item.size, 0) / MiB).toFixed(0)} MiB) all read back; ${leftoversSeen} temp files left by the kills, all swept`);
  });
});
