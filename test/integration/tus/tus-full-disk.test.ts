// tus-full-disk (black box): a PATCH that runs into a full disk (a small tmpfs as the data dir)
// answers a clean 507 INSUFFICIENT_STORAGE, its torn segment and everything else it wrote is cut
// away (offset and log size unchanged), and once space is back the upload resumes and completes
// byte-identical. A completion whose blob does not fit (the last bytes do, the whole file does not)
// is a 507 too: no temp blob and no item left, the partial kept whole, and an empty PATCH at the final
// offset completes it once space is back. Needs root (mount); skipped with the reason otherwise.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { expectErrorHit } from '../../helpers/abuse.js';
import { blobFiles, countRows, tmpFiles } from '../../helpers/data-dir.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { createUpload, expectSameBytes, offsetOf, partialFiles, rawOf, sendRest, TUS, tusPatch } from '../../helpers/tus.js';

function mountTmpfs(size: string): { dir: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'needs root to mount a tmpfs' };
  const dir = mkdtempSync(join(tmpdir(), 'sealbin-tus-full-'));
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.status === 0) return { dir };
  rmSync(dir, { recursive: true, force: true });
  return { skip: `cannot mount a tmpfs: ${(result.stderr || result.error?.message || '').trim()}` };
}

/** Appends to `path` until the file system refuses (ENOSPC). */
function fill(path: string): void {
  const fd = openSync(path, 'a');
  try {
    for (const size of [64 * 1024, 512]) {
      try {
        for (;;) writeSync(fd, Buffer.alloc(size, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** A PATCH with a chunked body (no Content-Length), sent in 16 KiB pieces. */
function chunkedPatch(base: string, path: string, offset: number, data: Buffer): Promise<{ status: number; text: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'PATCH', agent: false, headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), 'transfer-encoding': 'chunked' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString(), retryAfter: response.headers['retry-after'] }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < data.length) {
        const piece = data.subarray(sent, sent + 16_384);
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

// Room for a 12 MiB partial and its 12 MiB blob beside the 4 MiB space reserve and SQLite.
const mounted = mountTmpfs('48m');
const servers: RunningServer[] = [];
afterAll(async () => {
  try {
    for (const server of servers) await server.dispose();
  } finally {
    if ('dir' in mounted) {
      spawnSync('umount', [mounted.dir]);
      rmSync(mounted.dir, { recursive: true, force: true });
    }
  }
});

describe.skipIf('skip' in mounted)(`tus on a full disk${'skip' in mounted ? ` (skipped: ${mounted.skip})` : ''}`, () => {
  it('a PATCH that fills the disk is a clean 507 that keeps nothing of it; the upload resumes once space is back', async () => {
    if (!('dir' in mounted)) throw new Error('unreachable: skipped without a mount');
    const dataDir = join(mounted.dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const server = await startServer({ dataDir, env: { SEALBIN_MIN_FREE_BYTES: '0' }, allowErrorLogs: [/"msg":"writing download counts failed"/, /ENOSPC.*"msg":"request failed"/] });
    servers.push(server);
    const content = randomBytes(1_500_000);
    const path = await createUpload(server.url, { 'upload-length': String(content.length) });
    expect((await tusPatch(server.url, path, 0, content.subarray(0, 500_000))).status).toBe(204);
    const log = join(dataDir, 'tus', `${path.split('/').pop() as string}.log`);
    const logSize = statSync(log).size;

    // Nearly full (200 KiB left): the PATCH writes a few segments, then runs into ENOSPC itself.
    const filler = join(mounted.dir, 'filler');
    // Gone whatever happens here: the next test shares the tmpfs.
    onTestFinished(() => rmSync(filler, { force: true }));
    fill(filler);
    truncateSync(filler, statSync(filler).size - 200 * 1024);
    // Declared by Content-Length: the floor refuses it from the headers (or, while its last measurement
    // is older than the fill, the write runs into ENOSPC as below).
    const declared = await tusPatch(server.url, path, 500_000, content.subarray(500_000, 1_000_000));
    expectErrorHit(declared, 507, 'INSUFFICIENT_STORAGE');
    expect(Number(declared.header('retry-after'))).toBeGreaterThan(0);
    // Streamed without a length: written segment by segment until ENOSPC, then all of it cut away.
    const streamed = await chunkedPatch(server.url, path, 500_000, content.subarray(500_000, 1_000_000));
    expect(streamed.status, streamed.text).toBe(507);
    const body = JSON.parse(streamed.text) as Record<string, unknown>;
    expect(body['error_code']).toBe('INSUFFICIENT_STORAGE');
    expect(Number(streamed.retryAfter)).toBeGreaterThan(0);
    expect(streamed.text).not.toMatch(/ENOSPC|\/tmp\//);
    await server.waitForLog((line) => line.level >= 50 && JSON.stringify(line).includes('ENOSPC'), 'the log line naming ENOSPC');
    expect(statSync(log).size).toBe(logSize);
    expect(await offsetOf(server.url, path)).toBe(500_000);

    unlinkSync(filler);
    // The guard measures again before it admits: retry the same PATCH until space is seen to be back.
    await waitFor(async () => (await tusPatch(server.url, path, 500_000, content.subarray(500_000, 1_000_000))).status === 204, 'a PATCH accepted once space is back', { timeoutMs: 30_000, intervalMs: 500 });
    const last = await sendRest(server.url, path, content, 1_000_000, 500_000);
    expectSameBytes(await rawOf(server.url, last), content);
  });

  it('a completion whose blob does not fit is a clean 507 with nothing half-made; an empty PATCH completes it once space is back', async () => {
    if (!('dir' in mounted)) throw new Error('unreachable: skipped without a mount');
    const dataDir = join(mounted.dir, 'data-completion');
    mkdirSync(dataDir, { mode: 0o700 });
    const server = await startServer({ dataDir, env: { SEALBIN_MIN_FREE_BYTES: '0' } });
    servers.push(server);
    const content = randomBytes(12 * 1024 * 1024);
    const tail = 100_000;
    const path = await createUpload(server.url, { 'upload-length': String(content.length) });
    await sendRest(server.url, path, content.subarray(0, content.length - tail), 0, 4 * 1024 * 1024);
    const id = path.split('/').pop() as string;

    // ~2 MiB left: the last 100 kB fit in the log, the 12 MiB blob the completion writes does not.
    const filler = join(mounted.dir, 'filler-completion');
    // Gone whatever happens here: the next test shares the tmpfs.
    onTestFinished(() => rmSync(filler, { force: true }));
    fill(filler);
    truncateSync(filler, statSync(filler).size - 2 * 1024 * 1024);
    const rows = countRows(dataDir, ['items']);
    const final = await tusPatch(server.url, path, content.length - tail, content.subarray(content.length - tail));
    expectErrorHit(final, 507, 'INSUFFICIENT_STORAGE');
    expect(Number(final.header('retry-after'))).toBeGreaterThan(0);
    expect(final.header('x-sealbin-id')).toBeUndefined();
    expect(final.text).not.toMatch(/ENOSPC|\/tmp\//);
    await server.expectErrorLog(/ENOSPC.*"msg":"request failed"/);
    // Nothing half-made: no temp blob, no blob, no item row.
    expect(tmpFiles(dataDir)).toEqual([]);
    expect(blobFiles(dataDir)).toEqual([]);
    expect(countRows(dataDir, ['items'])).toEqual(rows);
    // The partial is kept whole (docs/api.md: a failure other than a refusal keeps it): the bytes of
    // the refused PATCH were stored before the completion ran, so HEAD reports the full length.
    expect(await offsetOf(server.url, path)).toBe(content.length);
    expect(partialFiles(server.dataDir, path).sort()).toEqual([`${id}.log`, `${id}.state`]);

    unlinkSync(filler);
    // The guard measures again before it admits: retry the empty PATCH until space is seen to be back.
    const done = await waitFor(async () => {
      const retry = await tusPatch(server.url, path, content.length, Buffer.alloc(0));
      return retry.status === 204 ? retry : null;
    }, 'an empty PATCH at the final offset to complete the upload once space is back', { timeoutMs: 30_000, intervalMs: 500 });
    expect(done.header('upload-offset')).toBe(String(content.length));
    expectSameBytes(await rawOf(server.url, done), content);
    expect(countRows(dataDir, ['items'])).toEqual({ items: (rows['items'] ?? 0) + 1 });
    expect(partialFiles(server.dataDir, path)).toEqual([]);
    expect(tmpFiles(dataDir)).toEqual([]);
  });
});
