// Start and stop the processes under test: the bare node:http baseline, the real Sealbin server and
// the floors' ceiling (bench/ceiling.ts).
// Both run as child processes (never in the benchmark's own event loop, where autocannon runs), and
// both write their output to a log file rather than a pipe this process would have to drain.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  /** e.g. http://127.0.0.1:41277 (no trailing slash) */
  readonly origin: string;
  readonly logFile: string;
  /** undefined while running; otherwise how it ended and the end of its log (it should not end on its own) */
  death(): string | undefined;
  stop(): Promise<void>;
}

function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => !line.includes('"msg":"request"'))
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)\//;

async function waitForListening(child: ChildProcess, logFile: string, name: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before listening:\n${readFileSync(logFile, 'utf8')}`);
    }
    const match = LISTENING.exec(readFileSync(logFile, 'utf8'));
    if (match?.[1] !== undefined) return match[1];
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not report listening within ${timeoutMs} ms:\n${readFileSync(logFile, 'utf8')}`);
}

async function start(name: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Promise<RunningServer> {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = await waitForListening(child, logFile, name);
  if (child.pid === undefined) throw new Error(`${name} has no pid`);
  let stopping = false;
  return {
    name,
    pid: child.pid,
    origin,
    logFile,
    death() {
      if (child.exitCode === null && child.signalCode === null) return undefined;
      return `${name} (pid ${child.pid}) ended ${stopping ? 'when asked' : 'UNEXPECTEDLY'} with ${child.exitCode ?? child.signalCode}; log tail (access lines left out):\n${logTail(logFile)}`;
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The baseline: bench/bare-server.ts on plain node:http (through tsx's loader; no effect once loaded). */
export function startBareServer(logDir: string): Promise<RunningServer> {
  return start('bare node:http', ['--import', 'tsx', join(repoRoot, 'bench/bare-server.ts')], { ...process.env, BARE_PORT: '0' }, join(logDir, 'bare.log'));
}

/** bench/ceiling-server.ts (bench/ceiling.ts): only Sealbin's indispensable work, on `dbFile` (Sealbin's schema). */
export function startCeilingServer(logDir: string, dbFile: string, without = ''): Promise<RunningServer> {
  return start('ceiling', ['--import', 'tsx', join(repoRoot, 'bench/ceiling-server.ts')], { ...process.env, CEILING_DB: dbFile, CEILING_WITHOUT: without }, join(logDir, 'ceiling.log'));
}

export interface SealbinOptions {
  readonly dataDir: string;
  readonly logFile: string;
  readonly maxSizeBytes: number;
  readonly logLevel: string;
  /** Shown in failure messages (default "sealbin"). */
  readonly name?: string;
  /** More SEALBIN_* settings, e.g. the PostgreSQL and Redis URLs of the scale-out scenarios. */
  readonly env?: Readonly<Record<string, string>>;
  /** Options for node itself, before the entry (e.g. `--cpu-prof` in bench/profile.ts). */
  readonly nodeArgs?: readonly string[];
  /** Run this file instead of dist/main.js (bench/profile.ts runs src/main.ts through tsx). */
  readonly entry?: string;
}

/**
 * dist/main.js with a throwaway data dir and every abuse control off (they would throttle the load).
 * It is started through a symlink in the data dir's parent, so its command line reads
 * `node …/sealbin-bench-main.js`: a developer's `pkill -f dist/main.js` on the same machine (what
 * SIGTERMed the first runs) cannot hit it. The code run is dist/main.js itself.
 */
export function startSealbin(options: SealbinOptions): Promise<RunningServer> {
  const entry = options.entry ?? join(dirname(options.dataDir), 'sealbin-bench-main.js');
  if (!existsSync(entry)) symlinkSync(join(repoRoot, 'dist/main.js'), entry);
  const env: NodeJS.ProcessEnv = {};
  // Pass the environment through, minus any SEALBIN_* a developer may have exported.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SEALBIN_')) env[key] = value;
  Object.assign(env, {
    SEALBIN_HOST: '127.0.0.1',
    SEALBIN_PORT: '0',
    SEALBIN_DATA_DIR: options.dataDir,
    SEALBIN_MAX_SIZE: String(options.maxSizeBytes),
    SEALBIN_LOG_LEVEL: options.logLevel,
    SEALBIN_POW_DIFFICULTY: '0',
    SEALBIN_RATE_CREATE: 'off',
    SEALBIN_RATE_READ: 'off',
    SEALBIN_RATE_HEALTH: 'off',
    SEALBIN_BRUTE_MAX: '0',
    SEALBIN_DEDUP_MAX: '0',
    ...options.env,
  });
  // BENCH_CPU_PROF=<dir>: each Sealbin process writes a V8 CPU profile there when it stops (for the
  // breakdowns in bench/README.md; profiling slows it down, so such a run's figures are not comparable).
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  return start(options.name ?? 'sealbin', [...profile, ...(options.nodeArgs ?? []), entry], env, options.logFile);
}
