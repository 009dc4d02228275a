// fpaste's proof-of-work search is a hand-written SHA-256: it must find exactly what node:crypto
// finds, for every prefix length (one or two blocks, midstates) and across digit-count rollovers,
// and the worker-thread solver must return solutions the server's own check accepts.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { powSearch } from '../../../src/cli/pow-search.js';
import { solvePow } from '../../../src/cli/pow-solver.js';
import { leadingZeroBits, powHash } from '../../../src/security/pow.js';

function reference(prefix: string, difficulty: number, start: number, end: number): number {
  for (let n = start; n < end; n++) if (leadingZeroBits(createHash('sha256').update(`${prefix}${n}`).digest()) >= difficulty) return n;
  return -1;
}

const encode = (text: string) => new TextEncoder().encode(text);

describe('powSearch', () => {
  it('agrees with node:crypto for prefixes of every length around the block boundaries', () => {
    for (const length of [0, 1, 31, 33, 46, 47, 54, 55, 56, 63, 64, 65, 100, 118, 119, 120, 127, 128, 129]) {
      const prefix = 'n'.repeat(length);
      for (const start of [0, 95, 99_990, 9_999_999_990, 999_999_999_999_990]) {
        for (const difficulty of [1, 5, 9]) expect(powSearch(encode(prefix), difficulty, start, start + 1500), `${length}/${start}/${difficulty}`).toBe(reference(prefix, difficulty, start, start + 1500));
      }
    }
  });

  it('agrees with node:crypto on server-shaped nonces (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 10 }), (bytes, start, difficulty) => {
        const prefix = `${Buffer.from(bytes).toString('hex')}:`;
        expect(powSearch(encode(prefix), difficulty, start, start + 600)).toBe(reference(prefix, difficulty, start, start + 600));
      }),
      { numRuns: 40 },
    );
  });

  it('handles UTF-8 prefixes and difficulties above 32 bits (no false positives)', () => {
    expect(powSearch(encode('nönce✓:'), 4, 0, 2000)).toBe(reference('nönce✓:', 4, 0, 2000));
    expect(powSearch(encode('abc:'), 40, 0, 20_000)).toBe(-1);
  });
});

describe('solvePow', () => {
  it('inline (easy) and worker (harder) solutions pass the server\'s check', async () => {
    const nonce = '0123456789abcdef0123456789abcdef';
    const easy = await solvePow(nonce, 10);
    expect(leadingZeroBits(powHash(nonce, easy.solution))).toBeGreaterThanOrEqual(10);
    const hard = await solvePow(nonce, 18, { threads: 2 });
    expect(hard.solution).toMatch(/^[0-9]{1,16}$/);
    expect(leadingZeroBits(powHash(nonce, hard.solution))).toBeGreaterThanOrEqual(18);
    expect(hard.hashes).toBeGreaterThan(0);
    expect(hard.threads).toBe(2);
  }, 60_000);

  it('searches on every thread asked for when run from source through tsx (the bench does), not silently on one', async () => {
    // tsx's esbuild keeps function names by wrapping them in __name() calls: the workers' copy of
    // powSearch then needs that helper, and a worker that died of its absence made the solver fall back.
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'sealbin-pow-tsx-'));
    try {
      const script = join(dir, 'solve.mts');
      writeFileSync(script, `import { solvePow } from ${JSON.stringify(pathToFileURL(join(root, 'src/cli/pow-solver.ts')).href)};\nconsole.log(JSON.stringify(await solvePow('0123456789abcdef0123456789abcdef', 18, { threads: 2 })));\n`);
      const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [script], { cwd: root });
      expect(JSON.parse(stdout)).toMatchObject({ threads: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses impossible difficulties instead of spinning forever', async () => {
    await expect(solvePow('abc', 65)).rejects.toThrow(/impossible/);
    await expect(solvePow('abc', -1)).rejects.toThrow(/impossible/);
  });
});
