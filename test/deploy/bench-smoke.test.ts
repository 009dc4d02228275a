// CI's smoke run of `npm run bench` (issue 16: numbers come from the bench, CI only checks that its
// harness works). Every scenario runs for about a second with tiny sizes; the figures of such a run
// mean nothing and are not asserted against any target. What is asserted: the run ends well, each
// scenario produced real measurements (answers counted, bytes moved, CPU time read from /proc), and
// the results file went where it was told, leaving the committed bench/results.json alone.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const committed = join(root, 'bench/results.json');

interface Figures {
  readonly requestsPerSecond: number;
  readonly serverCpuMicrosPerRequest: number;
  readonly failures: { readonly non2xx: number; readonly errors: number; readonly timeouts: number };
}
interface Results {
  readonly throughput: { readonly baseline: { readonly get: Figures; readonly post: Figures }; readonly sealbin: { readonly get: Figures; readonly metadata: Figures; readonly post: Figures; readonly idleRssKiB: number | null } };
  readonly mixed: { readonly counts: { readonly reads: number; readonly creates: number; readonly deletes: number } };
  readonly streaming: { readonly full: Record<'upload' | 'download', { readonly mbPerSecond: number; readonly serverCpuSeconds: number }> };
  readonly startup: { readonly items: number; readonly withItemsMs: readonly number[] };
  readonly pow: { readonly hashesPerCpuSecond: number };
  readonly targets: readonly { readonly name: string; readonly met: boolean }[];
  readonly floors: readonly { readonly name: string; readonly met: boolean }[];
}

describe('npm run bench (smoke: about a second per scenario)', () => {
  let dir: string;
  let output = '';
  let code: number | null = null;
  let committedBefore: { mtimeMs: number; text: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealbin-bench-smoke-'));
    // Its content and modification time (not the whole stat: other suites may read it, moving atime).
    committedBefore = { mtimeMs: (await stat(committed)).mtimeMs, text: await readFile(committed, 'utf8') };
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: root,
      env: {
        ...process.env,
        BENCH_DURATION: '1',
        BENCH_WARMUP: '0',
        BENCH_CONNECTIONS: '2',
        BENCH_STREAM_MB: '2',
        BENCH_MIXED_DURATION: '1',
        BENCH_MIXED_WARMUP: '0',
        BENCH_STARTUP_ITEMS: '300',
        BENCH_POW_SECONDS: '1',
        BENCH_IDLE_SECONDS: '1',
        BENCH_RESULTS: join(dir, 'results.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  }, 300_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ends with exit code 0 and prints every section', () => {
    expect(code, output).toBe(0);
    for (const heading of ['Throughput', 'Mixed load', 'Streaming', 'Start-up to the first answered', 'Targets', 'Floors of issue 16']) expect(output).toContain(heading);
  });

  it('writes its results where BENCH_RESULTS says, with real figures, and leaves bench/results.json alone', async () => {
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Results;
    const { baseline, sealbin } = results.throughput;
    for (const figures of [baseline.get, baseline.post, sealbin.get, sealbin.metadata, sealbin.post]) {
      expect(figures.requestsPerSecond).toBeGreaterThan(0);
      expect(figures.serverCpuMicrosPerRequest).toBeGreaterThan(0);
    }
    expect(sealbin.idleRssKiB).toBeGreaterThan(10 * 1024);
    const { counts } = results.mixed;
    expect(counts.reads).toBeGreaterThan(0);
    expect(counts.creates).toBeGreaterThan(0);
    for (const direction of ['upload', 'download'] as const) {
      expect(results.streaming.full[direction].mbPerSecond).toBeGreaterThan(0);
      expect(results.streaming.full[direction].serverCpuSeconds).toBeGreaterThan(0);
    }
    expect(results.startup.items).toBe(300);
    expect(results.startup.withItemsMs.length).toBeGreaterThan(0);
    expect(results.pow.hashesPerCpuSecond).toBeGreaterThan(0);
    expect(results.targets.length).toBeGreaterThan(5);
    expect(results.floors.map((floor) => floor.name).join('\n')).toContain('server RSS idle');
    expect({ mtimeMs: (await stat(committed)).mtimeMs, text: await readFile(committed, 'utf8') }).toEqual(committedBefore);
  });
});
