// fpaste's resumable uploads (tus) against the real server, through a proxy that cuts or holds the
// connection at ~40%: resumed in the same run after a cut, by running the same command again after
// fpaste was killed, across a server restart, and from scratch when the server lost the upload; the
// answer to the final PATCH lost (HEAD says what the upload became, nothing sent twice); end
// to end encrypted and plain; byte-identical through `fpaste get`; the state file's mode and removal;
// the plain single request below the threshold, with --no-resumable, and from servers without /tus;
// on a terminal, the progress bar (part-way while held, then 100%).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import type { CuttingProxy } from '../helpers/cutting-proxy.js';
import { expectExit, FPASTE, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import type { FpasteResult } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
/** Above fpaste's 16 MiB threshold, three PATCHes of 8 MiB: 40% falls inside the second. */
const SIZE = 24 * MiB;
const RUN = { timeoutMs: 150_000 };

let server: RunningServer;
let proxy: CuttingProxy;
let user: FpasteUser;
let content: Buffer;

beforeAll(async () => {
  server = await startServer();
  proxy = await startCuttingProxy(server.url);
  user = new FpasteUser(proxy.url);
  content = randomBytes(SIZE);
  writeFileSync(join(user.work, 'big.bin'), content);
});

afterEach(() => {
  proxy.blockTus = false;
  proxy.release();
});

afterAll(async () => {
  await proxy?.close();
  user?.dispose();
  await server?.dispose();
});

const uploadsDir = (): string => join(user.dataDir, 'uploads');
const stateFiles = (): string[] => (existsSync(uploadsDir()) ? readdirSync(uploadsDir()) : []);

/** The requests the proxy saw from index `from` on. */
const since = (from: number) => proxy.requests.slice(from);

async function fetchBack(url: string, name: string): Promise<Buffer> {
  expectExit(await user.run(['get', url, '-o', name], RUN), 0);
  return readFileSync(join(user.work, name));
}

/** Starts fpaste and kills it once the proxy holds its upload at `bytes`. */
async function killedAt(args: string[], bytes: number): Promise<FpasteResult> {
  const abort = new AbortController();
  const held = proxy.holdAfter(bytes);
  const run = user.run(args, { ...RUN, signal: abort.signal });
  await Promise.race([held, run.then((result) => Promise.reject(new Error(`fpaste ended before the hold: ${result.stderr}`)))]);
  // The state is written right after the creation, long before 40%.
  expect(stateFiles()).toHaveLength(1);
  abort.abort();
  const result = await run;
  expect(result.code).toBeNull();
  proxy.release();
  return result;
}

describe('fpaste: resumable uploads over tus', () => {
  it('a connection cut at 40% is resumed in the same run from the server\'s offset, end-to-end encrypted, byte-identical', async () => {
    const from = proxy.requests.length;
    const cut = proxy.cutAfter(Math.floor(SIZE * 0.4));
    const created = expectExit(await user.run(['big.bin', '--expiry', '1h'], RUN), 0);
    await cut;
    // fpaste reports what it had handed to its socket: the 40% the proxy forwarded plus what the
    // kernel and the proxy had buffered when the cut came (several MiB of this 24 MiB file at times).
    const interrupted = /upload interrupted at (\d+)%.*retrying in 1 s \(attempt 2 of 7\)/.exec(created.stderr);
    expect(interrupted, created.stderr).not.toBeNull();
    expect(Number(interrupted?.[1])).toBeGreaterThanOrEqual(40);
    expect(Number(interrupted?.[1])).toBeLessThan(100);
    const requests = since(from);
    expect(requests.some((r) => r.method === 'POST' && r.path === '/tus')).toBe(true);
    expect(requests.some((r) => r.method === 'HEAD' && r.path.startsWith('/tus/'))).toBe(true);
    // After the cut the upload went on from where the server stood: only the first PATCH starts at 0,
    // and hardly more than the file was sent in all.
    const patches = requests.filter((r) => r.method === 'PATCH');
    expect(patches.filter((r) => r.offset === 0)).toHaveLength(1);
    expect(patches.length).toBeGreaterThanOrEqual(4);
    expect(patches.reduce((sum, r) => sum + r.bytes, 0)).toBeLessThan(SIZE + 2 * MiB);
    // What it prints is what a plain creation prints: the URL with the key after #.
    const url = printedUrl(created);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}#[A-Za-z0-9_-]{43}$/);
    expect(created.out.trim().split('\n')).toHaveLength(1);
    expect((await fetchBack(url, 'back-cut.bin')).equals(content)).toBe(true);
    expect(stateFiles()).toEqual([]);
  });

  for (const encrypt of [true, false]) {
    it(`${encrypt ? 'encrypted' : '--no-encrypt'}: fpaste killed at 40%, the same command run again resumes; the state file is 0600 and removed on success`, async () => {
      const args = encrypt ? ['big.bin'] : ['big.bin', '--no-encrypt'];
      await killedAt(args, Math.floor(SIZE * 0.4));
      const [name] = stateFiles();
      const statePath = join(uploadsDir(), name as string);
      expect(statSync(statePath).mode & 0o777).toBe(0o600);
      expect(statSync(uploadsDir()).mode & 0o777).toBe(0o700);
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { key?: string; path: string; upload: string };
      expect(state.path).toBe(join(user.work, 'big.bin'));
      expect(typeof state.key === 'string').toBe(encrypt);

      const from = proxy.requests.length;
      const again = expectExit(await user.run(args, RUN), 0);
      expect(again.stderr).toMatch(/resuming the interrupted upload of big\.bin at [3-4]\d%/);
      const patches = since(from).filter((r) => r.method === 'PATCH');
      expect(since(from).some((r) => r.method === 'POST')).toBe(false);
      expect(patches[0]?.offset).toBeGreaterThan(8 * MiB);
      expect(patches.reduce((sum, r) => sum + r.bytes, 0)).toBeLessThan(SIZE * 0.65);
      expect(stateFiles()).toEqual([]);
      const url = printedUrl(again);
      if (encrypt) expect(url).toContain(`#${state.key as string}`);
      else expect(url).not.toContain('#');
      expect((await fetchBack(url, `back-kill-${encrypt}.bin`)).equals(content)).toBe(true);
    });
  }

  it('fpaste upload across a server restart (kill -9): resumes from what the server kept, prints the download URL', async () => {
    const from = proxy.requests.length;
    const abort = new AbortController();
    const held = proxy.holdAfter(Math.floor(SIZE * 0.4));
    const run = user.run(['upload', '--encrypt', 'big.bin'], { ...RUN, signal: abort.signal });
    await held;
    abort.abort();
    await run;
    const dataDir = server.dataDir;
    await server.kill();
    proxy.release();
    server = await startServer({ dataDir });
    proxy.upstream = server.url;

    const rerun = proxy.requests.length;
    const again = expectExit(await user.run(['upload', '--encrypt', 'big.bin'], RUN), 0);
    expect(again.stderr).toMatch(/resuming the interrupted upload of big\.bin at \d+%/);
    expect(since(from).filter((r) => r.method === 'POST')).toHaveLength(1);
    // At least the first PATCH (8 MiB) was durable before the kill -9.
    expect(since(rerun).find((r) => r.method === 'PATCH')?.offset).toBeGreaterThanOrEqual(8 * MiB);
    const url = printedUrl(again);
    expect(url).toMatch(/\/download\/[a-z]+(-[a-z]+){5}#[A-Za-z0-9_-]{43}$/);
    expectExit(await user.run(['download', url, '-o', 'back-restart.bin'], RUN), 0);
    expect(readFileSync(join(user.work, 'back-restart.bin')).equals(content)).toBe(true);
    expect(stateFiles()).toEqual([]);
  });

  it('the answer to the final PATCH lost on the way: HEAD says what the upload became; no second upload, the delete token kept', async () => {
    const from = proxy.requests.length;
    let dropped = false;
    void proxy.dropCompletion().then(() => (dropped = true));
    const created = expectExit(await user.run(['big.bin'], RUN), 0);
    expect(dropped, 'the proxy lost the final answer').toBe(true);
    expect(created.stderr).toMatch(/upload interrupted at 100%.*retrying in 1 s/);
    expect(created.stderr).not.toMatch(/starting over/);
    const requests = since(from);
    // One upload, sent once: the HEAD after the cut found it finished instead of gone.
    expect(requests.filter((r) => r.method === 'POST' && r.path === '/tus')).toHaveLength(1);
    expect(requests.filter((r) => r.method === 'PATCH').reduce((sum, r) => sum + r.bytes, 0)).toBeLessThan(SIZE + 2 * MiB);
    // After the PATCH whose answer was lost: where does it stand (HEAD), then the item's metadata.
    expect(requests.slice(requests.findLastIndex((r) => r.method === 'PATCH') + 1).map((r) => r.method)).toEqual(['HEAD', 'GET']);
    const url = printedUrl(created);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}#[A-Za-z0-9_-]{43}$/);
    expect((await fetchBack(url, 'back-lost-answer.bin')).equals(content)).toBe(true);
    // The delete token came with the HEAD and was remembered, as after a plain creation.
    const id = /\/([0-9a-f]{32})#/.exec(url)?.[1] as string;
    expect(expectExit(await user.run(['delete', url], RUN), 0).out).toBe(`deleted ${id}\n`);
    expect(stateFiles()).toEqual([]);
  });

  it('an upload the server no longer has (terminated) is started over with a message, not resumed', async () => {
    await killedAt(['big.bin', '--no-encrypt'], Math.floor(SIZE * 0.4));
    const state = JSON.parse(readFileSync(join(uploadsDir(), stateFiles()[0] as string), 'utf8')) as { upload: string };
    const gone = await fetch(`${server.url}${state.upload}`, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0' } });
    expect(gone.status).toBe(204);
    const from = proxy.requests.length;
    const again = expectExit(await user.run(['big.bin', '--no-encrypt'], RUN), 0);
    expect(again.stderr).toMatch(/no longer has the upload of big\.bin.*starting over/);
    expect(since(from).filter((r) => r.method === 'POST' && r.path === '/tus')).toHaveLength(1);
    expect((await fetchBack(printedUrl(again), 'back-gone.bin')).equals(content)).toBe(true);
    expect(stateFiles()).toEqual([]);
  });

  it('a file changed since its interrupted upload is uploaded anew, and the outdated upload terminated', async () => {
    await killedAt(['big.bin', '--no-encrypt'], Math.floor(SIZE * 0.4));
    const old = JSON.parse(readFileSync(join(uploadsDir(), stateFiles()[0] as string), 'utf8')) as { upload: string };
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(user.work, 'big.bin'), later, later);
    const again = expectExit(await user.run(['big.bin', '--no-encrypt'], RUN), 0);
    expect(again.stderr).toMatch(/big\.bin changed since its interrupted upload; starting a new one/);
    expect((await fetch(`${server.url}${old.upload}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } })).status).toBe(404);
    expect((await fetchBack(printedUrl(again), 'back-changed.bin')).equals(content)).toBe(true);
    expect(stateFiles()).toEqual([]);
  });

  it('below the threshold and with --no-resumable: one plain request; --resumable forces tus for a small file', async () => {
    writeFileSync(join(user.work, 'small.txt'), 'small enough to send at once\n');
    let from = proxy.requests.length;
    const small = expectExit(await user.run(['small.txt'], RUN), 0);
    expect(since(from).map((r) => `${r.method} ${r.path}`)).toContain('POST /');
    expect(since(from).some((r) => r.path.startsWith('/tus'))).toBe(false);
    expect((await fetchBack(printedUrl(small), 'back-small.txt')).toString()).toBe('small enough to send at once\n');

    from = proxy.requests.length;
    const forced = expectExit(await user.run(['--resumable', 'small.txt'], RUN), 0);
    expect(since(from).some((r) => r.method === 'PATCH')).toBe(true);
    expect((await fetchBack(printedUrl(forced), 'back-forced.txt')).toString()).toBe('small enough to send at once\n');
    // The delete token came with the final PATCH and was remembered, as after a plain creation.
    const id = /\/([0-9a-f]{32})#/.exec(printedUrl(forced))?.[1] as string;
    expect(readFileSync(join(user.dataDir, 'items.jsonl'), 'utf8')).toMatch(new RegExp(`"id":"${id}".*"delete_token":"[^"]+"`));
    expect(expectExit(await user.run(['delete', printedUrl(forced)], RUN), 0).out).toBe(`deleted ${id}\n`);
    expect((await fetch(`${server.url}/${id}`)).status).toBe(404);

    from = proxy.requests.length;
    expectExit(await user.run(['--no-resumable', 'big.bin'], RUN), 0);
    expect(since(from).some((r) => r.path.startsWith('/tus'))).toBe(false);
  });

  it('a server without /tus: large files fall back to one request silently, --resumable says so', async () => {
    proxy.blockTus = true;
    let from = proxy.requests.length;
    const big = expectExit(await user.run(['big.bin'], RUN), 0);
    expect(since(from).map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['OPTIONS /tus', 'POST /']));
    expect(big.stderr).not.toMatch(/resumable/);
    expect((await fetchBack(printedUrl(big), 'back-fallback.bin')).equals(content)).toBe(true);

    from = proxy.requests.length;
    const small = expectExit(await user.run(['--resumable', 'small.txt'], RUN), 0);
    expect(small.stderr).toMatch(/does not offer resumable uploads \(tus\); sending in one request/);
    expect(since(from).map((r) => `${r.method} ${r.path}`)).toContain('POST /');
    await waitFor(() => stateFiles().length === 0, 'no state left behind');
  });
});

describe('fpaste: resumable creation under proof of work', () => {
  let powServer: RunningServer | undefined;
  afterAll(async () => {
    await powServer?.dispose();
  });

  it('POST /tus carries a solved challenge like any creation; without one the server refuses it', async () => {
    powServer = await startServer({ env: { SEALBIN_POW_DIFFICULTY: '12', SEALBIN_FLOOD_THRESHOLD: '1000000' } });
    const bare = await fetch(`${powServer.url}/tus`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } });
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { error_code: string }).error_code).toBe('POW_REQUIRED');
    const powUser = new FpasteUser(powServer.url);
    try {
      writeFileSync(join(powUser.work, 'note.txt'), 'sent over tus after solving the challenge\n');
      const created = expectExit(await powUser.run(['--resumable', 'note.txt'], RUN), 0);
      await powServer.waitForLog((line) => line['method'] === 'POST' && line['route'] === '/tus' && line['status'] === 201, 'the tus creation in the access log');
      await powServer.waitForLog((line) => line['method'] === 'PATCH' && line['status'] === 204, 'the PATCH in the access log');
      expectExit(await powUser.run(['get', printedUrl(created), '-o', 'back.txt'], RUN), 0);
      expect(readFileSync(join(powUser.work, 'back.txt'), 'utf8')).toBe('sent over tus after solving the challenge\n');
    } finally {
      powUser.dispose();
    }
  });

  // fpaste draws progress only when stderr is a terminal (logs and pipes get none) and has no switch
  // to force it: util-linux `script` runs it on a pseudo-terminal, whose output we read as it comes.
  const noScript = spawnSync('script', ['--version']).status !== 0;
  it.skipIf(noScript)(`on a terminal, the upload shows a progress bar: a percentage part-way (held at 40%) and 100% at the end${noScript ? ' (skipped: needs util-linux script for a pseudo-terminal)' : ''}`, async () => {
    const held = proxy.holdAfter(Math.floor(SIZE * 0.4));
    const command = [process.execPath, FPASTE, 'big.bin', '--expiry', '1h'].map((word) => `'${word}'`).join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: user.work, env: { ...user.env(), TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let terminal = '';
    child.stdout.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await held;
      // The bar's own timer redraws while the connection is held, at what fpaste has handed to its
      // socket by then: past the 40% mark (less what the first PATCH did not need), short of the end.
      await waitFor(() => [...terminal.matchAll(/uploading \[[^\]]*\] (\d+)%/g)].some((match) => Number(match[1]) >= 30 && Number(match[1]) < 100), 'a part-way percentage (30-99 %) on the terminal while held');
      proxy.release();
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      child.stdin.end();
    }
    // The final frame before the bar is cleared, with the sizes beside it.
    expect(terminal).toMatch(/uploading \[[^\]]*\] 100% \| 24 MiB of 24 MiB/);
    const url = /http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}#[A-Za-z0-9_-]{43}/.exec(terminal)?.[0];
    expect(url, terminal.slice(-2000)).toBeDefined();
    expect((await fetchBack(url as string, 'back-terminal.bin')).equals(content)).toBe(true);
    expect(stateFiles()).toEqual([]);
  });
});
