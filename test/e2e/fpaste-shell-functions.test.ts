// The shell functions docs/cli.md offers (the block after <!-- shell-functions -->): they parse in
// bash and zsh, and each one, run in a real shell with the bundled fpaste on PATH, creates an item
// on the real server that reads back as expected. The desktop clipboard is the one thing replaced:
// wl-paste/wl-copy on PATH are scripts over a file, since CI has no Wayland session.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { has } from '../deploy/tools.js';
import { expectExit, FPASTE, FpasteUser } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const DOC = new URL('../../docs/cli.md', import.meta.url).pathname;

/** The sh block right after the marker comment. */
function documentedFunctions(): string {
  const match = /<!-- shell-functions -->\n```sh\n([\s\S]*?)\n```/.exec(readFileSync(DOC, 'utf8'));
  if (!match) throw new Error('docs/cli.md has no ```sh block after <!-- shell-functions -->');
  return `${match[1] as string}\n`;
}

let server: RunningServer;
let user: FpasteUser;
let functions: string;
let clipboard: string;

beforeAll(async () => {
  server = await startServer();
  user = new FpasteUser(server.url);
  const bin = join(user.home, 'bin');
  mkdirSync(bin);
  symlinkSync(FPASTE, join(bin, 'fpaste'));
  clipboard = join(user.home, 'clipboard');
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('wl-paste', `cat "${clipboard}"`);
  tool('wl-copy', `cat > "${clipboard}"`);
  functions = join(user.home, 'functions.sh');
  writeFileSync(functions, documentedFunctions());
});

afterAll(async () => {
  user?.dispose();
  await server?.dispose();
});

interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `shell args` with fpaste and the clipboard scripts first on PATH, feeding `input` (if any) on stdin. */
function runShell(shell: string, args: string[], input?: string): Promise<ShellRun> {
  const env = user.env({ PATH: `${join(user.home, 'bin')}:${process.env['PATH'] ?? ''}`, HISTFILE: '/dev/null' });
  return new Promise((resolve, reject) => {
    const child = spawn(shell, args, { cwd: user.work, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The one item URL a run printed (its #key included). */
function urlIn(run: ShellRun): string {
  const urls = run.stdout.match(new RegExp(`${server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+`, 'g')) ?? [];
  expect(urls, `one URL in:\n${run.stdout}\n${run.stderr}`).toHaveLength(1);
  return urls[0] as string;
}

describe.each(['bash', 'zsh'] as const)('the shell functions of docs/cli.md in %s', (shell) => {
  const reason = has(shell) ? '' : ` (skipped: ${shell} is not installed; Debian package ${shell})`;
  const plain = shell === 'bash' ? ['--norc', '--noprofile'] : ['-f'];

  it.skipIf(reason !== '')(`parse${reason}`, async () => {
    const result = await runShell(shell, ['-n', functions]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.skipIf(reason !== '')(`fpshare uploads a file, prints the link and puts it on the clipboard${reason}`, async () => {
    writeFileSync(join(user.work, `report-${shell}.txt`), `the report, shared from ${shell}\n`);
    const result = await runShell(shell, [...plain, '-c', `source ${functions} && fpshare --expiry 1h report-${shell}.txt`]);
    expect(result.code, result.stderr).toBe(0);
    const link = urlIn(result);
    expect(link).toMatch(/\/download\/[a-z]+(-[a-z]+){5}$/);
    expect(readFileSync(clipboard, 'utf8')).toBe(link);
    const got = expectExit(await user.run(['download', link, '-o', '-']), 0);
    expect(got.out).toBe(`the report, shared from ${shell}\n`);
  });

  it.skipIf(reason !== '')(`fpclip pastes the clipboard, end-to-end encrypted${reason}`, async () => {
    writeFileSync(clipboard, `copied in ${shell}: ünïcödé`);
    const result = await runShell(shell, [...plain, '-c', `source ${functions} && fpclip`]);
    expect(result.code, result.stderr).toBe(0);
    const link = urlIn(result);
    expect(link).toMatch(/#[A-Za-z0-9_-]{43}$/);
    expect(expectExit(await user.run(['get', link]), 0).out).toBe(`copied in ${shell}: ünïcödé`);
  });

  it.skipIf(reason !== '')(`fplast pastes what the previous command of an interactive shell prints${reason}`, async () => {
    // An interactive shell keeps a history even when its commands come from a pipe.
    const script = `source ${functions}\necho "last output from ${shell}"; echo "and its stderr" >&2\nfplast --burn\nexit\n`;
    const result = await runShell(shell, [...plain, '-i'], script);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('fplast: running again:');
    const link = urlIn(result);
    const got = expectExit(await user.run(['get', link]), 0);
    expect(got.out).toBe(`last output from ${shell}\nand its stderr\n`);
    // --burn went through to fpaste: the one read destroyed it.
    expect(expectExit(await user.run(['get', link]), 1).stderr).toMatch(/not found|gone/i);
  });
});
