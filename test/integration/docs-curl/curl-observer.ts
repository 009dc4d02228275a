// Runs documented shell text with the real curl binary and records every transfer it made: status,
// method, URL, response headers and the body curl wrote to stdout. A `curl` wrapper first on PATH
// execs the real one with the documented arguments plus a --write-out that reports to a side file,
// so pipes, redirections and `-o` in the example behave exactly as they do for a reader.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Transfer {
  method: string;
  url: URL;
  status: number;
  /** curl's own exit code for this transfer. */
  exitCode: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** What this curl process wrote to stdout (empty with -o/-O). */
  stdout: Buffer;
}

export interface ShellRun {
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
  transfers: Transfer[];
}

const MARK = '@@docs-curl-observed@@';

const WRAPPER = `#!/bin/bash
# Test wrapper: the real curl with the documented arguments; what it saw goes to a record file.
set -o pipefail
record="$DOCS_CURL_RECORDS/$(date +%s%N)-$$"
"$DOCS_CURL_REAL" --write-out '%{stderr}\\n${MARK}\\n%{json}\\n%{header_json}\\n' "$@" 2> "$record.err" | tee "$record.out"
code=$?
sed '/^${MARK}$/,$d' "$record.err" >&2
exit $code
`;

/** The real curl on this machine, or null (the docs test then skips with that reason). */
export function findCurl(): string | null {
  const found = spawnSync('bash', ['-c', 'command -v curl'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

export function hasPython3(): boolean {
  return spawnSync('python3', ['--version']).status === 0;
}

export class CurlObserver {
  private readonly dir = mkdtempSync(join(tmpdir(), 'docs-curl-bin-'));
  private runs = 0;

  constructor(private readonly realCurl: string) {
    writeFileSync(join(this.dir, 'curl'), WRAPPER);
    chmodSync(join(this.dir, 'curl'), 0o755);
  }

  /** Runs `command` with bash in `cwd`; `timeoutMs` kills it (and fails the run) if it hangs. */
  async run(command: string, cwd: string, timeoutMs: number): Promise<ShellRun> {
    const records = join(this.dir, `run-${++this.runs}`);
    mkdirSync(records);
    const child = spawn('bash', ['-c', command], {
      cwd,
      env: { ...process.env, PATH: `${this.dir}:${process.env['PATH'] ?? ''}`, DOCS_CURL_REAL: this.realCurl, DOCS_CURL_RECORDS: records },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const exitCode = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    clearTimeout(timer);
    return { exitCode, stdout: Buffer.concat(stdout), stderr, transfers: readTransfers(records) };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One record per curl process, in start order; one process may have made several transfers. */
function readTransfers(records: string): Transfer[] {
  const names = readdirSync(records).filter((name) => name.endsWith('.err')).sort();
  return names.flatMap((name) => {
    const base = join(records, name.slice(0, -'.err'.length));
    const stdout = readFileSync(`${base}.out`);
    const reports = readFileSync(`${base}.err`, 'utf8').split(`\n${MARK}\n`).slice(1);
    return reports.map((report) => parseReport(report, stdout));
  });
}

interface WriteOut {
  method: string;
  url_effective: string;
  http_code: number;
  exitcode: number;
}

function parseReport(report: string, stdout: Buffer): Transfer {
  const newline = report.indexOf('\n');
  const info = JSON.parse(report.slice(0, newline)) as WriteOut;
  const rawHeaders = JSON.parse(report.slice(newline + 1)) as Record<string, string[]>;
  const headers = Object.fromEntries(Object.entries(rawHeaders).map(([name, values]) => [name.toLowerCase(), values.join(', ')]));
  return { method: info.method, url: new URL(info.url_effective), status: info.http_code, exitCode: info.exitcode, headers, stdout };
}
