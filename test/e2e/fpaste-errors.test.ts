// fpaste's failures, end to end: exit codes (0 ok, 1 server or input error, 2 usage), one clear
// line for each contract error (rate limited with when to retry, blocked, too large, duplicate,
// entropy, integrity), non-Sealbin answers, binary output to a terminal, and never a stack trace.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobFiles } from '../helpers/data-dir.js';
import { expectExit, FPASTE, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import type { FpasteResult } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

/** One line on stderr, prefixed, no stack trace. */
function oneLine(result: FpasteResult): string {
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^fpaste: /);
  expect(result.stderr).not.toMatch(/\n\s+at |Error:/);
  return lines[0] as string;
}

describe('usage', () => {
  const user = new FpasteUser();
  afterAll(() => user.dispose());

  it('--help and --version exit 0; every command has --help', async () => {
    expect(expectExit(await user.run(['--help']), 0).out).toContain('Usage: fpaste');
    expect(expectExit(await user.run(['--version']), 0).out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const command of ['create', 'get', 'delete', 'info', 'list', 'search', 'update', 'export', 'upload', 'download', 'shorten', 'register', 'config']) {
      expect(expectExit(await user.run([command, '--help']), 0).out, command).toContain(`Usage: fpaste ${command}`);
    }
    for (const sub of ['status', 'issue', 'download']) expect(expectExit(await user.run(['pki', sub, '--help']), 0).out).toContain(`Usage: fpaste pki ${sub}`);
    const pki = expectExit(await user.run(['pki', '--help']), 0).out;
    for (const sub of [/^ {2}list /m, /^ {2}revoke \[options\] <serial> /m]) expect(pki).toMatch(sub);
    // About twenty CLI processes one after another: give a loaded 2-core machine room.
  }, 90_000);

  it('unknown options, missing arguments, bad values and no server: exit 2', async () => {
    expect(expectExit(await user.run(['get', '--bogus', 'x']), 2).stderr).toContain("unknown option '--bogus'");
    expect(expectExit(await user.run(['get']), 2).stderr).toContain("missing required argument 'ref'");
    expect(oneLine(expectExit(await user.run(['get', 'not-an-id'], { env: { FPASTE_SERVER: 'http://127.0.0.1:9' } }), 2))).toContain('neither a paste id');
    expect(oneLine(expectExit(await user.run(['info']), 2))).toContain('no server configured');
    expect(oneLine(expectExit(await user.run(['--server', 'ftp://x', 'info']), 2))).toContain('http:// or https://');
    expect(oneLine(expectExit(await user.run(['--fingerprint', 'abc', '--server', 'https://x', 'info']), 2))).toContain('fingerprint');
    expect(oneLine(expectExit(await user.run(['search', '--after', 'yesterday-ish'], { env: { FPASTE_SERVER: 'http://127.0.0.1:9' } }), 2))).toContain('--after');
  });

  it('input errors exit 1: a missing file (with a hint for mistyped commands), an unreachable server', async () => {
    expect(oneLine(expectExit(await user.run(['lsit'], { env: { FPASTE_SERVER: 'http://127.0.0.1:9' } }), 1))).toContain('not a command');
    expect(oneLine(expectExit(await user.run(['no/such/file.txt'], { env: { FPASTE_SERVER: 'http://127.0.0.1:9' } }), 1))).toContain('ENOENT');
    const refused = oneLine(expectExit(await user.run(['info'], { env: { FPASTE_SERVER: 'http://127.0.0.1:9' } }), 1));
    expect(refused).toContain('connection refused');
  });
});

describe('contract errors, one line each', () => {
  let limits: RunningServer;
  let rate: RunningServer;
  let user: FpasteUser;

  beforeAll(async () => {
    [limits, rate] = await Promise.all([
      startServer({ env: { SEALBIN_MAX_SIZE: '64KiB', SEALBIN_DEDUP_MAX: '1', SEALBIN_BRUTE_MAX: '2', SEALBIN_MIN_ENTROPY: '7.5' } }),
      startServer({ env: { SEALBIN_RATE_CREATE: '1/hour' } }),
    ]);
    user = new FpasteUser(limits.url);
  });

  afterAll(async () => {
    user?.dispose();
    await Promise.all([limits?.dispose(), rate?.dispose()]);
  });

  it('TOO_LARGE: refused from the declared size, for a file and for stdin', async () => {
    writeFileSync(join(user.work, 'large.bin'), randomBytes(200 * 1024));
    const file = oneLine(expectExit(await user.run(['large.bin']), 1));
    expect(file).toMatch(/^fpaste: too large: /);
    const stdin = oneLine(expectExit(await user.run([], { input: randomBytes(200 * 1024) }), 1));
    expect(stdin).toMatch(/^fpaste: too large: /);
  });

  it('ENTROPY_TOO_LOW: plain text is refused with advice; the encrypted default goes through', async () => {
    const text = 'all work and no play makes jack a dull boy\n'.repeat(50);
    expect(oneLine(expectExit(await user.run(['-E'], { input: text }), 1))).toContain('only accepts encrypted content');
    const url = printedUrl(expectExit(await user.run([], { input: text }), 0));
    expect(expectExit(await user.run(['get', url]), 0).out).toBe(text);
  });

  it('DUPLICATE_CONTENT: says when to retry', async () => {
    const content = randomBytes(4096);
    expectExit(await user.run(['-E'], { input: content }), 0);
    const line = oneLine(expectExit(await user.run(['-E'], { input: content }), 1));
    expect(line).toMatch(/uploaded too many times recently; try again in \d+ (s|min|h)/);
  });

  it('BLOCKED: after failed lookups, says when to retry', async () => {
    const probe = () => user.run(['get', randomBytes(16).toString('hex')]);
    for (let n = 0; n < 2; n++) expect(oneLine(expectExit(await probe(), 1))).toContain('not found');
    const line = oneLine(expectExit(await probe(), 1));
    expect(line).toMatch(/^fpaste: blocked by the server after too many failed lookups from this address: try again in \d+ (s|min|h) \(after \d\d:\d\d:\d\d\)$/);
  });

  it('RATE_LIMITED: says when to retry', async () => {
    const limited = new FpasteUser(rate.url);
    try {
      expectExit(await limited.run([], { input: 'one' }), 0);
      const line = oneLine(expectExit(await limited.run([], { input: 'two' }), 1));
      expect(line).toMatch(/^fpaste: rate limited by the server: try again in \d+ (s|min|h) \(after \d\d:\d\d:\d\d\)$/);
    } finally {
      limited.dispose();
    }
  });
});

describe('integrity failures and foreign answers', () => {
  let server: RunningServer;
  let user: FpasteUser;

  beforeAll(async () => {
    server = await startServer();
    user = new FpasteUser(server.url);
  });

  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
  });

  it('INTEGRITY_CHECK_FAILED from the server: one line, no output file', async () => {
    writeFileSync(join(user.work, 'doc.bin'), randomBytes(300 * 1024));
    const url = printedUrl(expectExit(await user.run(['-E', 'doc.bin']), 0));
    const blobs = blobFiles(server.dataDir);
    expect(blobs.length).toBeGreaterThan(0);
    for (const blob of blobs) {
      const path = join(server.dataDir, blob);
      const bytes = readFileSync(path);
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = (bytes[middle] as number) ^ 0x40;
      writeFileSync(path, bytes);
    }
    const result = expectExit(await user.run(['get', url, '-o', 'doc.out']), 1);
    expect(oneLine(result)).toMatch(/^fpaste: integrity failure on the server: the stored content failed its check and was not served/);
    expect(readFileSync(join(user.work, 'doc.bin')).length).toBe(300 * 1024);
    expect(() => readFileSync(join(user.work, 'doc.out'))).toThrow();
    // The server logs the tampering at error level: the one error line this test provokes.
    await server.expectErrorLog(/"msg":"integrity check failed/);
  });

  it('an answer that is not a Sealbin error (a proxy\'s HTML page) is reported as such', async () => {
    const proxy = createServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html><body>Bad Gateway</body></html>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const result = expectExit(await user.run(['info'], { env: { FPASTE_SERVER: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } }), 1);
      expect(oneLine(result)).toContain('HTTP 502 without a Sealbin error');
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;

  it.skipIf(!hasScript)('binary content is not written to a terminal without --force (text is)', async () => {
    const binary = printedUrl(expectExit(await user.run([], { input: Buffer.from([0, 1, 2, 0x1b, 0x5b, 0x32, 0x4a, 0xff]) }), 0));
    const text = printedUrl(expectExit(await user.run([], { input: 'plain words for the terminal' }), 0));
    // `script` gives the CLI a pseudo-terminal as stdout.
    const onTty = (args: string) => spawnSync('script', ['-qec', `${process.execPath} ${FPASTE} ${args}`, '/dev/null'], { env: user.env(), encoding: 'utf8', timeout: 30_000 });
    const refused = onTty(`get '${binary}'`);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('refusing to write binary content to a terminal');
    expect(onTty(`get '${text}'`).stdout).toContain('plain words for the terminal');
    const forced = onTty(`get --force '${binary}'`);
    expect(forced.status).toBe(0);
    // Piped (not a terminal), binary flows as it is.
    expect(expectExit(await user.run(['get', binary]), 0).stdout.equals(Buffer.from([0, 1, 2, 0x1b, 0x5b, 0x32, 0x4a, 0xff]))).toBe(true);
  });
});
