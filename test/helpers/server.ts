// Starts the real server process (dist/main.js) on a free port with a temp data dir, for black-box tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

export interface RunningServer {
  url: string;
  dataDir: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Stop and delete the data dir. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
}

/** Environment for a test server: nothing inherited that starts with SEALBIN_. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('SEALBIN_')) env[name] = value;
  return env;
}

/**
 * Abuse prevention is off unless a test turns a mechanism on: tests about other behaviour create
 * many items and provoke many 404s. Abuse tests override these explicitly.
 */
export const PERMISSIVE: Record<string, string> = {
  SEALBIN_POW_DIFFICULTY: '0',
  SEALBIN_RATE_CREATE: 'off',
  SEALBIN_RATE_READ: 'off',
  SEALBIN_RATE_HEALTH: 'off',
  SEALBIN_BRUTE_MAX: '0',
  SEALBIN_DEDUP_MAX: '0',
};

export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'sealbin-test-'));
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? makeDataDir();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...baseEnv(), SEALBIN_PORT: '0', SEALBIN_DATA_DIR: dataDir, SEALBIN_LOG_LEVEL: 'info', ...PERMISSIVE, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /sealbin listening on (http\S+?)\/?"/.exec(output);
      if (match?.[1]) resolve(match[1].replace(/\/$/, ''));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 20_000).unref();
  });
  const server: RunningServer = {
    url,
    dataDir,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    dispose: async () => {
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Runs the server expecting it to refuse to start; resolves with exit code and output. */
export async function runExpectingExit(env: Record<string, string>, timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dataDir = env['SEALBIN_DATA_DIR'] ?? makeDataDir();
  const child = spawn(process.execPath, [MAIN], { env: { ...baseEnv(), SEALBIN_PORT: '0', SEALBIN_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
