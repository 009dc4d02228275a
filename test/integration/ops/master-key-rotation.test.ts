// Rotating the master key while serving: restart with the new key (old one as previous), run
// `rotate-master-key` against the live data, then the old key is no longer needed, or accepted.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPaste, uploadFile } from '../../helpers/http.js';
import { MAIN, makeDataDir, PERMISSIVE, runExpectingExit, startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);
const keyA = randomBytes(32).toString('hex');
const keyB = randomBytes(32).toString('hex');
const dataDir = makeDataDir();
const servers: RunningServer[] = [];

async function start(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer({ dataDir, env: { SEALBIN_REGISTER_DIFFICULTY: '0', ...env } });
  servers.push(server);
  current = server;
  return server;
}

afterAll(async () => {
  for (const server of servers) await server.kill();
  await servers[0]?.dispose();
});

let current: RunningServer;

/** URLs from an earlier process carry its port: aim them at the server running now. */
async function raw(url: string): Promise<Buffer> {
  const { pathname } = new URL(url);
  const response = await fetch(`${current.url}${pathname}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('master key rotation', () => {
  it('keeps every item, download key and the CA readable, and retires the old key', async () => {
    const big = randomBytes(300_000);
    let server = await start({ SEALBIN_MASTER_KEY: keyA });
    const small = await createPaste(server.url, 'small, inline in the database');
    const large = await createPaste(server.url, big);
    const share = await uploadFile(server.url, 'shared file', 'shared.txt');
    expect((await fetch(`${server.url}/pki/ca`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(201);
    expect(await server.stop()).toBe(0);

    // Step 1: the new key, with the old one still accepted for reading.
    server = await start({ SEALBIN_MASTER_KEY: keyB, SEALBIN_MASTER_KEY_PREVIOUS: keyA });
    expect((await raw(large.raw)).equals(big)).toBe(true);
    const during = await createPaste(server.url, 'written during the rotation');

    // Step 2: re-wrap everything while the server runs.
    const env = { ...process.env, ...PERMISSIVE, SEALBIN_DATA_DIR: dataDir, SEALBIN_MASTER_KEY: keyB, SEALBIN_MASTER_KEY_PREVIOUS: keyA, SEALBIN_LOG_LEVEL: 'info' };
    const { stdout } = await run(process.execPath, [MAIN, 'rotate-master-key'], { env });
    const report = JSON.parse(stdout.trim().split('\n').pop() as string) as { items: number; rewrapped: number; skipped: number; ca: boolean };
    expect(report).toMatchObject({ items: 4, rewrapped: 3, skipped: 0, ca: true });
    expect((await raw(small.raw)).toString()).toBe('small, inline in the database');
    expect(await server.stop()).toBe(0);

    // Step 3: the new key alone opens everything.
    server = await start({ SEALBIN_MASTER_KEY: keyB });
    expect((await raw(small.raw)).toString()).toBe('small, inline in the database');
    expect((await raw(large.raw)).equals(big)).toBe(true);
    expect((await raw(during.raw)).toString()).toBe('written during the rotation');
    expect((await raw(share.download_url as string)).toString()).toBe('shared file');
    const issued = await fetch(`${server.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ common_name: 'after-rotation' }) });
    expect(issued.status).toBe(201);
    expect(await server.stop()).toBe(0);

    // The old key is refused now.
    const refused = await runExpectingExit({ SEALBIN_DATA_DIR: dataDir, SEALBIN_MASTER_KEY: keyA });
    expect(refused.code, refused.stderr).not.toBeNull();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/master key does not match/);
  });

  it('refuses to rotate without a previous key', async () => {
    const result = await run(process.execPath, [MAIN, 'rotate-master-key'], { env: { ...process.env, SEALBIN_DATA_DIR: dataDir, SEALBIN_MASTER_KEY: keyB } }).catch((error: { code: number; stderr: string }) => error);
    expect((result as { code: number }).code).not.toBe(0);
    expect((result as { stderr: string }).stderr).toMatch(/SEALBIN_MASTER_KEY_PREVIOUS/);
  });
});
