// Runs the bundled CLI (dist/fpaste.js) as a child process, as users do, with its own HOME and XDG
// directories so the developer's real config and item store are never touched.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FPASTE = new URL('../../dist/fpaste.js', import.meta.url).pathname;

export interface FpasteResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** stdout as UTF-8. */
  out: string;
  /** Peak resident set size of the CLI process in KiB (when run with measureRss). */
  maxRssKiB?: number;
  /**
   * With measureRss: the most live memory (JS heap in use plus Buffers) seen in samples taken after
   * full collections every 250 ms. Unlike the RSS it does not count garbage V8 has not collected yet,
   * which a loaded machine lets grow (V8 frees dead Buffers by a threshold, not promptly).
   */
  maxLiveKiB?: number;
  /** Set when the run outlived timeoutMs: what the process was waiting on when it was killed. */
  timedOut?: { afterMs: number; report: string };
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Record the process's peak RSS (process.resourceUsage().maxRSS at exit, via a --require preload). */
  measureRss?: boolean;
  /** Aborting it kills the CLI with SIGKILL (a process that dies mid-transfer). */
  signal?: AbortSignal;
}

/** One isolated fpaste user: HOME, XDG_CONFIG_HOME and XDG_DATA_HOME under a temp dir. */
export class FpasteUser {
  readonly home: string;

  constructor(readonly server?: string) {
    this.home = mkdtempSync(join(tmpdir(), 'fpaste-user-'));
    mkdirSync(join(this.home, 'work'));
  }

  get configDir(): string {
    return join(this.home, '.config', 'fpaste');
  }

  get dataDir(): string {
    return join(this.home, '.local', 'share', 'fpaste');
  }

  /** A scratch directory (the default working directory of every run). */
  get work(): string {
    return join(this.home, 'work');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('FPASTE_') && !name.startsWith('XDG_')) env[name] = value;
    return {
      ...env,
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, '.config'),
      XDG_DATA_HOME: join(this.home, '.local', 'share'),
      ...(this.server ? { FPASTE_SERVER: this.server } : {}),
      ...extra,
    };
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<FpasteResult> {
    return runFpaste(args, { ...options, env: this.env(options.env), cwd: options.cwd ?? this.work });
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/**
 * The preload of a measured run (main thread only: the PoW workers load it too). It samples live
 * memory after two full collections (the first leaves freed backing stores to a concurrent sweeper)
 * and writes both figures at exit.
 */
function rssPreload(file: string): string {
  return `const { isMainThread } = require('node:worker_threads');
if (isMainThread) {
  let live = 0;
  const sample = () => {
    globalThis.gc();
    globalThis.gc();
    const usage = process.memoryUsage();
    live = Math.max(live, usage.heapUsed + usage.arrayBuffers);
  };
  setInterval(sample, 250).unref();
  process.on('exit', () => {
    sample();
    require('node:fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, maxLiveKiB: Math.round(live / 1024) }));
  });
}
`;
}

export async function runFpaste(args: readonly string[], options: RunOptions = {}): Promise<FpasteResult> {
  let rssFile: string | undefined;
  let preloadDir: string | undefined;
  const env = { ...(options.env ?? (process.env as Record<string, string>)) };
  if (options.measureRss) {
    preloadDir = mkdtempSync(join(tmpdir(), 'fpaste-rss-'));
    rssFile = join(preloadDir, 'rss');
    const preload = join(preloadDir, 'report-rss.cjs');
    writeFileSync(preload, rssPreload(rssFile));
    env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --expose-gc --require ${preload}`.trim();
  }
  // A run that hangs leaves a Node diagnostic report (its stack and open handles) before the kill,
  // so that a hang seen once under load says what it waited on.
  const reportDir = mkdtempSync(join(tmpdir(), 'fpaste-report-'));
  const child = spawn(process.execPath, ['--report-on-signal', `--report-directory=${reportDir}`, FPASTE, ...args], { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], ...(options.signal ? { signal: options.signal, killSignal: 'SIGKILL' as const } : {}) });
  // An abort is reported as an 'error' event besides the exit; the exit (code null) is what counts.
  child.on('error', () => undefined);
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timedOut: FpasteResult['timedOut'];
  let poll: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    child.kill('SIGUSR2');
    // Give the report a moment (it may be seen half written), then kill.
    const started = Date.now();
    poll = setInterval(() => {
      const report = readReport(reportDir);
      if (report === null && Date.now() - started < 5_000) return;
      clearInterval(poll);
      timedOut = { afterMs: timeoutMs, report: report ?? 'no readable diagnostic report was written' };
      child.kill('SIGKILL');
    }, 100);
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  clearInterval(poll);
  // Exited between the signal and the poll's verdict: still a run that outlived its time.
  if (poll !== undefined && timedOut === undefined) timedOut = { afterMs: timeoutMs, report: readReport(reportDir) ?? 'it exited before its diagnostic report could be read' };
  rmSync(reportDir, { recursive: true, force: true });
  const result: FpasteResult = { code, stdout: Buffer.concat(stdout), stderr, out: Buffer.concat(stdout).toString('utf8'), ...(timedOut ? { timedOut } : {}) };
  if (rssFile && preloadDir) {
    try {
      const measured = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number; maxLiveKiB: number };
      result.maxRssKiB = measured.maxRssKiB;
      result.maxLiveKiB = measured.maxLiveKiB;
    } finally {
      rmSync(preloadDir, { recursive: true, force: true });
    }
  }
  return result;
}

/** The summary of the diagnostic report in `dir`, or null while there is none that parses. */
function readReport(dir: string): string | null {
  try {
    const name = readdirSync(dir).find((entry) => entry.endsWith('.json'));
    return name === undefined ? null : summariseReport(readFileSync(join(dir, name), 'utf8'));
  } catch {
    return null;
  }
}

/** The parts of a Node diagnostic report that tell what a hung process waited on (throws on a partial one). */
function summariseReport(text: string): string {
  const report = JSON.parse(text) as { javascriptStack?: { stack?: string[] }; libuv?: { type: string; is_active: boolean; localEndpoint?: unknown; remoteEndpoint?: unknown }[] };
  const handles = (report.libuv ?? []).filter((handle) => handle.is_active).map((handle) => (handle.remoteEndpoint ? `${handle.type} ${JSON.stringify(handle.localEndpoint)} -> ${JSON.stringify(handle.remoteEndpoint)}` : handle.type));
  return `stack:\n${(report.javascriptStack?.stack ?? []).join('\n')}\nactive handles:\n${handles.join('\n')}`;
}

/** The URL line a create prints (the last non-empty stdout line). */
export function printedUrl(result: FpasteResult): string {
  const lines = result.out.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** Fails with the CLI's own output when it did not exit as expected. */
export function expectExit(result: FpasteResult, code: number): FpasteResult {
  if (result.code !== code) {
    const hung = result.timedOut ? `\ntimed out after ${result.timedOut.afterMs} ms; at the kill it was waiting on:\n${result.timedOut.report.slice(0, 4000)}` : '';
    throw new Error(`fpaste exited ${result.code}, expected ${code}\nstdout: ${result.out.slice(0, 2000)}\nstderr: ${result.stderr.slice(-2000)}${hung}`);
  }
  return result;
}
