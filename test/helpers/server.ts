// Starts the real server process (dist/main.js) on a free port with a temp data dir, for black-box tests.
// The server is watched as well as driven: a crash or an error-level log line that the test did not
// declare fails the test (see checkHealth), so a bug the server only logs cannot pass silently.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';
import type { WaitOptions } from './wait.js';

export const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

/** How long a server may take to print its "listening" line. */
const START_TIMEOUT_MS = 45_000;

/** pino's numeric level for `error` (fatal is 60): at or above it a line means something broke. */
export const ERROR_LEVEL = 50;

/** One JSON log line as the server wrote it. */
export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

export interface RunningServer {
  url: string;
  dataDir: string;
  process: ChildProcess;
  output(): string;
  /** Every complete JSON line the server wrote to stdout so far, in order. */
  logLines(): LogLine[];
  /** Polls until a log line satisfies `match`; returns it. */
  waitForLog(match: (line: LogLine) => boolean, what: string, options?: WaitOptions): Promise<LogLine>;
  /**
   * Waits for an error-level line matching `pattern` (tested against the raw JSON line) and declares it
   * expected, so the health check lets that one line through. For tests that provoke an error on purpose.
   */
  expectErrorLog(pattern: RegExp, options?: WaitOptions): Promise<LogLine>;
  /** Throws if the process exited on its own or wrote an undeclared error-level line since the last check. */
  checkHealth(): void;
  /** SIGTERM and wait for exit; returns the exit code. Throws if the server was unhealthy. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait (a deliberate crash: no health check). */
  kill(): Promise<void>;
  /** Kill, delete the data dir, then throw if the server was unhealthy. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  /**
   * Error-level lines this server may write at any time in its life (each tested against the raw JSON
   * line). Prefer expectErrorLog in the test that provokes the error; this is for servers set up to fail.
   */
  allowErrorLogs?: RegExp[];
  /** Another copy of the server bundle to run (default dist/main.js), e.g. one without dist/web beside it. */
  main?: string;
}

/** Servers started and not yet disposed: the per-test check (setup-server-checks.ts) looks at these. */
export const liveServers = new Set<RunningServer>();

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

function parseLine(text: string): LogLine | null {
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as LogLine).level === 'number' ? (value as LogLine) : null;
  } catch {
    return null;
  }
}

interface ErrorEntry {
  raw: string;
  line: LogLine;
  /** Declared by the test (expectErrorLog or allowErrorLogs), or already reported by a failed check. */
  settled: boolean;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? makeDataDir();
  const child = spawn(process.execPath, [options.main ?? MAIN], {
    // No free-space floor: the suite must pass on a machine with little free disk (the floor's own tests set one).
    env: { ...baseEnv(), SEALBIN_PORT: '0', SEALBIN_DATA_DIR: dataDir, SEALBIN_LOG_LEVEL: 'info', SEALBIN_MIN_FREE_BYTES: '0', ...PERMISSIVE, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const allowed = options.allowErrorLogs ?? [];
  let output = '';
  let partial = '';
  const lines: LogLine[] = [];
  const errors: ErrorEntry[] = [];
  let exitExpected = false;
  let exitReported = false;
  let exitStatus: string | null = null;

  child.stdout.on('data', (data: Buffer) => {
    const text = data.toString();
    output += text;
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = parseLine(raw);
      if (!line) continue;
      lines.push(line);
      if (line.level >= ERROR_LEVEL) errors.push({ raw, line, settled: allowed.some((pattern) => pattern.test(raw)) });
    }
  });
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code, signal) => {
      exitStatus = `exit code ${code}, signal ${signal}`;
      resolve(code);
    }),
  );

  let timer: NodeJS.Timeout | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /sealbin listening on (http\S+?)\/?"/.exec(output);
      if (match?.[1]) resolve(match[1].replace(/\/$/, ''));
    };
    child.stdout.on('data', onData);
    child.once('close', (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
    // Generous: seven test runs may share two cores. A server that never comes up is not left behind.
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
  }).finally(() => clearTimeout(timer));

  const checkHealth = (): void => {
    const problems: string[] = [];
    if (exitStatus !== null && !exitExpected && !exitReported) {
      exitReported = true;
      problems.push(`the server process exited on its own (${exitStatus}); last output:\n${output.slice(-4000)}`);
    }
    const undeclared = errors.filter((entry) => !entry.settled);
    for (const entry of undeclared) entry.settled = true;
    if (undeclared.length > 0) {
      problems.push(`the server wrote ${undeclared.length} undeclared error-level log line(s) (declare expected ones with expectErrorLog):\n${undeclared.map((entry) => entry.raw).join('\n')}`);
    }
    if (problems.length > 0) throw new Error(`server ${url}: ${problems.join('\n')}`);
  };

  const server: RunningServer = {
    url,
    dataDir,
    process: child,
    output: () => output,
    logLines: () => [...lines],
    waitForLog: (match, what, waitOptions) => waitFor(() => lines.find(match), what, waitOptions),
    expectErrorLog: async (pattern, waitOptions) => {
      const entry = await waitFor(() => errors.find((candidate) => !candidate.settled && pattern.test(candidate.raw)), `an error-level log line matching ${pattern}`, waitOptions);
      entry.settled = true;
      return entry.line;
    },
    checkHealth,
    stop: async () => {
      // Only an exit still to come is the one asked for; an earlier one was a crash. (The process's
      // own state: `exitStatus` is set only at 'close', after its output is read.)
      exitExpected = child.exitCode === null && child.signalCode === null;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      liveServers.delete(server);
      checkHealth();
      return code;
    },
    kill: async () => {
      exitExpected = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      liveServers.delete(server);
    },
    dispose: async () => {
      // An exit before dispose was asked for is a crash the check must report, not hide.
      const crashed = (child.exitCode !== null || child.signalCode !== null) && !exitExpected;
      await endForCoverage(child, exited);
      await server.kill();
      exitExpected = !crashed;
      rmSync(dataDir, { recursive: true, force: true });
      checkHealth();
    },
  };
  liveServers.add(server);
  return server;
}

/**
 * With coverage on (coverage/setup-children.ts), a server about to be killed writes its coverage first:
 * SIGUSR2 makes the preloaded flush-on-signal.mjs write it and then SIGKILL its own process. A server
 * too busy to answer within the bound is killed as before (its coverage is lost, nothing else).
 * Deliberate crashes (kill()) stay a plain SIGKILL at an arbitrary moment.
 */
async function endForCoverage(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (!process.env['NODE_V8_COVERAGE'] || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGUSR2');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
  clearTimeout(timer);
}

/** Runs the server expecting it to refuse to start; resolves with exit code and output. */
// 60 s: a loaded machine can take well over 10 s to start a server up to its refusal (a start is
// allowed 45 s above); killed, it would exit with no code and an empty stderr, a confusing failure.
export async function runExpectingExit(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dataDir = env['SEALBIN_DATA_DIR'] ?? makeDataDir();
  const child = spawn(process.execPath, [MAIN], { env: { ...baseEnv(), SEALBIN_PORT: '0', SEALBIN_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
