// CI's smoke run of bench/ceiling.ts (the floors' ceiling, quoted in bench/README.md): a second per
// scenario, one round, figures not asserted. What is asserted: it ends well, every server measured
// served the stored bytes (the script refuses to measure otherwise) and every row has a measured rate.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

it('bench/ceiling.ts measures bare, ceiling and Sealbin, reads and durable creates', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ceiling.ts'], {
    cwd: root,
    env: { ...process.env, BENCH_DURATION: '1', BENCH_ROUNDS: '1', BENCH_CONNECTIONS: '2', CEILING_PARTS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // A run that outlives the test is stopped (bench/ceiling.ts stops its servers on SIGTERM).
  const timer = setTimeout(() => child.kill('SIGTERM'), 280_000);
  const code = await closed.finally(() => clearTimeout(timer));
  expect(code, output).toBe(0);
  for (const name of ['bare GET ', 'ceiling GET /{id}/raw ', 'ceiling GET /{id} (metadata) ', 'Sealbin GET /{id}/raw ', 'Sealbin GET /{id} (metadata) ', 'bare POST ', 'ceiling POST ', 'Sealbin POST ', 'ceiling GET /{id}/raw without crypto ', 'ceiling GET /{id}/raw without log,metric,version,crypto,headers ']) {
    const line = output.split('\n').find((candidate) => candidate.startsWith(name));
    expect(line, output).toBeDefined();
    expect(Number(/(\d+) req\/s/.exec(line ?? '')?.[1]), line).toBeGreaterThan(0);
  }
}, 300_000);
