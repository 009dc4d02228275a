// fpaste streams: 200 MB up and down (encrypted end to end) in flat memory, checked by the CLI
// process's own peak RSS; and large stdin, which is spooled (encrypted) to disk rather than held.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const MiB = 1024 * 1024;
/**
 * Live memory (heap in use plus Buffers, sampled after full collections) allowed for the CLI, whatever
 * the size: holding the 200 MB, or any share of it that grows with the size, passes it at once.
 */
const LIVE_LIMIT_KIB = 64 * 1024;
/**
 * Peak RSS allowed, a backstop only: it also counts the garbage V8 has not collected yet, up to
 * ~32 MiB of dead Buffers plus what a loaded machine delays (one run on Node 24 under CI load passed
 * 96 MiB of heap and Buffers). Node itself is ~50 MiB; holding the file would pass 240 MiB.
 */
const RSS_LIMIT_KIB = 224 * 1024;

function expectFlat(result: { maxRssKiB?: number; maxLiveKiB?: number }, what: string): void {
  expect(result.maxLiveKiB, `${what}: most live memory ${result.maxLiveKiB} KiB`).toBeLessThan(LIVE_LIMIT_KIB);
  expect(result.maxRssKiB, `${what}: peak RSS ${result.maxRssKiB} KiB`).toBeLessThan(RSS_LIMIT_KIB);
}

let server: RunningServer;
let user: FpasteUser;

beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_MAX_SIZE: '512MiB' } });
  user = new FpasteUser(server.url);
});

afterAll(async () => {
  user?.dispose();
  await server?.dispose();
});

/** Writes `size` bytes of varied content and returns its SHA-256. */
async function writeBigFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const block = randomBytes(4 * MiB);
  for (let written = 0, n = 0; written < size; n++) {
    const piece = Buffer.from(block.subarray(0, Math.min(block.length, size - written)));
    piece.writeUInt32BE(n, 0);
    hash.update(piece);
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    written += piece.length;
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return hash.digest('hex');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const part of createReadStream(path)) hash.update(part as Buffer);
  return hash.digest('hex');
}

describe('fpaste large transfers', () => {
  it('200 MB: encrypted upload and download, byte-identical, CLI memory flat both ways', async () => {
    const size = 200 * 1000 * 1000;
    const source = join(user.work, 'big.bin');
    const expected = await writeBigFile(source, size);
    const created = expectExit(await user.run(['big.bin', '--expiry', '1h'], { measureRss: true, timeoutMs: 280_000 }), 0);
    expectFlat(created, 'upload');
    const url = printedUrl(created);
    const meta = (await (await fetch(`${server.url}/${url.split('/').pop()?.split('#')[0]}`)).json()) as { size: number };
    // 200 MB plus 16 bytes per 64 KiB chunk and the header: the server holds only ciphertext.
    expect(meta.size).toBeGreaterThan(size);
    expect(meta.size).toBeLessThan(size + 64 * 1024);
    const fetched = expectExit(await user.run(['get', url, '-o', 'back.bin'], { measureRss: true, timeoutMs: 280_000 }), 0);
    expectFlat(fetched, 'download');
    expect(statSync(join(user.work, 'back.bin')).size).toBe(size);
    expect(await sha256File(join(user.work, 'back.bin'))).toBe(expected);
  }, 600_000);

  it('96 MiB on stdin is spooled to a private temp file (ciphertext only) and removed afterwards', async () => {
    // Large enough that holding it could not pass for the spooling's own working set.
    const size = 96 * MiB;
    const data = Buffer.alloc(size);
    for (let at = 0; at < size; at += 4096) data.writeUInt32BE(at, at);
    const spoolDir = join(user.home, 'tmp');
    (await import('node:fs')).mkdirSync(spoolDir);
    const created = expectExit(await user.run([], { input: data, measureRss: true, env: { TMPDIR: spoolDir }, timeoutMs: 120_000 }), 0);
    // stdin's first 16 MiB stay in memory by design (src/cli/body.ts) and are in flight twice, as
    // plaintext and ciphertext, when the spooling starts (23-39 MiB of live memory measured); holding
    // the input would pass 100 MiB.
    expectFlat(created, 'stdin upload');
    expect(readdirSync(spoolDir)).toEqual([]);
    const back = expectExit(await user.run(['get', printedUrl(created)], { timeoutMs: 120_000 }), 0);
    expect(back.stdout.equals(data)).toBe(true);
    expect(tmpdir()).not.toBe(spoolDir);
  }, 300_000);
});
