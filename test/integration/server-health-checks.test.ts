// The test-server helper itself: a crash or an undeclared error-level log line fails the test
// (checkHealth, run after every test by setup-server-checks.ts, and by stop/dispose); declared ones pass.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer, StartOptions } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const started: RunningServer[] = [];
afterEach(async () => {
  // Each test leaves its server healthy or already reported, so disposing must not throw here.
  for (const server of started.splice(0)) await server.dispose();
});

async function start(options: StartOptions = {}): Promise<RunningServer> {
  const server = await startServer(options);
  started.push(server);
  return server;
}

/** Makes the server log one error-level "integrity check failed" line (a paste whose recorded hash is wrong). */
async function provokeIntegrityError(server: RunningServer): Promise<void> {
  const paste = await createPaste(server.url, 'tampered');
  const db = new BetterSqlite3(join(server.dataDir, 'sealbin.db'));
  db.prepare('update items set sha256 = ? where id = ?').run('0'.repeat(64), paste.id);
  db.close();
  expect((await fetch(paste.raw)).status).toBe(500);
  await server.waitForLog((line) => line.level >= 50, 'the error-level line');
}

describe('test server health checks', () => {
  it('an undeclared error-level line fails the check once, quoting the line', async () => {
    const server = await start();
    await provokeIntegrityError(server);
    expect(() => server.checkHealth()).toThrow(/1 undeclared error-level log line.*\n.*"msg":"integrity check failed"/);
    // Reported once: the next test is not blamed for it.
    expect(() => server.checkHealth()).not.toThrow();
  });

  it('stop() fails on an undeclared error-level line', async () => {
    const server = await start();
    await provokeIntegrityError(server);
    await expect(server.stop()).rejects.toThrow(/undeclared error-level/);
  });

  it('a line declared with expectErrorLog passes; one that never comes is a timeout', async () => {
    const server = await start();
    await provokeIntegrityError(server);
    expect((await server.expectErrorLog(/integrity check failed/)).level).toBe(50);
    expect(() => server.checkHealth()).not.toThrow();
    await expect(server.expectErrorLog(/integrity check failed/, { timeoutMs: 300 })).rejects.toThrow(/timed out/);
  });

  it('allowErrorLogs lets matching lines through for the life of the server', async () => {
    const server = await start({ allowErrorLogs: [/integrity check failed/] });
    await provokeIntegrityError(server);
    expect(() => server.checkHealth()).not.toThrow();
    expect(await server.stop()).toBe(0);
  });

  it('a server that exits on its own fails the check (and only once)', async () => {
    const server = await start();
    server.process.kill('SIGKILL');
    await waitFor(() => server.process.signalCode !== null, 'the process to die');
    expect(() => server.checkHealth()).toThrow(/exited on its own \(exit code null, signal SIGKILL\)/);
    expect(() => server.checkHealth()).not.toThrow();
  });

  it('stop() after a crash reports the crash instead of taking it for the requested exit', async () => {
    const server = await start();
    server.process.kill('SIGKILL');
    await waitFor(() => server.process.signalCode !== null, 'the process to die');
    await expect(server.stop()).rejects.toThrow(/exited on its own/);
  });
});
