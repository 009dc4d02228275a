// The page's build (scripts/web-build.mjs): the gzipped budget fails a build, the manifest's SRI is
// the hash of the written bytes. Small inputs in a temp dir, never the real bundle.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWeb, checkWebBudget, integrityOf, WEB_BUDGET_BYTES } from '../../scripts/web-build.mjs';

describe('checkWebBudget', () => {
  it('is 100 KiB', () => {
    expect(WEB_BUDGET_BYTES).toBe(102_400);
  });

  it('passes at the budget and returns the total', () => {
    expect(checkWebBudget([{ file: 'a.js', gzipBytes: 100_000 }, { file: 'b.css', gzipBytes: 2_400 }])).toBe(102_400);
  });

  it('fails one byte over, naming the files', () => {
    expect(() => checkWebBudget([{ file: 'a.js', gzipBytes: 100_000 }, { file: 'b.css', gzipBytes: 2_401 }])).toThrow(/over budget: 102401 .*a\.js 100000, b\.css 2401/);
  });

  it('honours a given limit', () => {
    expect(() => checkWebBudget([{ file: 'a.js', gzipBytes: 11 }], 10)).toThrow(/over budget/);
  });
});

describe('buildWeb', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function sources(mainBody: string): Promise<{ srcDir: string; outdir: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'sealbin-web-build-'));
    dirs.push(dir);
    const srcDir = join(dir, 'src');
    await mkdir(srcDir);
    await writeFile(join(srcDir, 'main.ts'), mainBody);
    await writeFile(join(srcDir, 'pow-worker.ts'), 'self.postMessage(1);\n');
    await writeFile(join(srcDir, 'style.css'), 'body { margin: 0; }\n');
    return { srcDir, outdir: join(dir, 'out') };
  }

  it('writes the three files and a manifest whose integrity matches their bytes', async () => {
    const { srcDir, outdir } = await sources('document.title = "ok";\n');
    const manifest = await buildWeb({ srcDir, outdir });
    expect(manifest.script.file).toMatch(/^app-[A-Z0-9]+\.js$/);
    expect(manifest.style.file).toMatch(/^app-[A-Z0-9]+\.css$/);
    expect(manifest.worker.file).toMatch(/^pow-worker-[A-Z0-9]+\.js$/);
    expect(manifest.script.integrity).toBe(integrityOf(await readFile(join(outdir, manifest.script.file))));
    expect(manifest.style.integrity).toBe(integrityOf(await readFile(join(outdir, manifest.style.file))));
    expect(JSON.parse(await readFile(join(outdir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect((await readdir(outdir)).sort()).toEqual([manifest.script.file, manifest.style.file, 'manifest.json', manifest.worker.file].sort());
    expect(manifest.gzip_bytes).toBeGreaterThan(0);
  });

  it('fails on an oversized (incompressible) input and writes nothing', async () => {
    // 140 KiB of random bytes as base64 (~187 KiB): gzip gets back to ~140 KiB at best, over 100 KiB.
    const { srcDir, outdir } = await sources(`document.title = ${JSON.stringify(randomBytes(140 * 1024).toString('base64'))};\n`);
    await expect(buildWeb({ srcDir, outdir })).rejects.toThrow(/web bundle over budget/);
    await expect(readdir(outdir)).rejects.toThrow(/ENOENT/);
  });

  it('fails when an entry would produce a fourth file', async () => {
    const { srcDir, outdir } = await sources('import "./extra.css";\ndocument.title = "x";\n');
    await writeFile(join(srcDir, 'extra.css'), 'p { color: red; }\n');
    await expect(buildWeb({ srcDir, outdir })).rejects.toThrow(/must be exactly three files/);
  });
});
