// The browser page's build (issue 14): three entry points bundled with esbuild into dist/web/, a
// manifest with Subresource Integrity hashes, and a gzipped size budget that fails the build.
// Kept apart from build.mjs so the budget check can be unit-tested without bundling anything big.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** What the page may cost a visitor on a slow link: the three files together, gzipped. */
export const WEB_BUDGET_BYTES = 100 * 1024;

/**
 * Throws when the gzipped files together exceed the budget; returns the total otherwise.
 * @param {{ file: string, gzipBytes: number }[]} sizes
 * @param {number} [limit]
 * @returns {number}
 */
export function checkWebBudget(sizes, limit = WEB_BUDGET_BYTES) {
  const total = sizes.reduce((sum, entry) => sum + entry.gzipBytes, 0);
  if (total > limit) {
    const parts = sizes.map((entry) => `${entry.file} ${entry.gzipBytes}`).join(', ');
    throw new Error(`web bundle over budget: ${total} gzipped bytes > ${limit} (${parts})`);
  }
  return total;
}

/** The integrity attribute value for these bytes (SRI, sha384 as the spec recommends). */
export function integrityOf(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

const COMMON = { bundle: true, platform: 'browser', target: 'es2022', minify: true, write: false, entryNames: '[name]-[hash]', legalComments: 'none', logLevel: 'warning' };

/** Bundles one entry and returns its single output; anything else (a sourcemap, an imported font) is an error. */
async function bundleOne(name, entry, options) {
  const result = await build({ ...COMMON, ...options, entryPoints: { [name]: entry }, outdir: '/virtual' });
  if (result.outputFiles.length !== 1) {
    const names = result.outputFiles.map((file) => basename(file.path)).join(', ');
    // The server serves only the manifest's three files: an extra output would be a broken page.
    throw new Error(`web entry ${entry} produced ${result.outputFiles.length} files (${names}); the page must be exactly three files`);
  }
  const [output] = result.outputFiles;
  return { file: basename(output.path), bytes: Buffer.from(output.contents) };
}

/**
 * Builds the page into `outdir` (replacing what was there) and returns the manifest it wrote.
 * The budget is checked before anything is written, so an over-budget build leaves no new files.
 * @param {{ srcDir: string, outdir: string, limit?: number, log?: (line: string) => void }} options
 */
export async function buildWeb({ srcDir, outdir, limit = WEB_BUDGET_BYTES, log = () => {} }) {
  const [script, worker, style] = await Promise.all([
    bundleOne('app', join(srcDir, 'main.ts'), { format: 'esm' }),
    // A classic dedicated worker (new Worker(url) without type: module): IIFE, no imports at run time.
    bundleOne('pow-worker', join(srcDir, 'pow-worker.ts'), { format: 'iife' }),
    bundleOne('app', join(srcDir, 'style.css'), {}),
  ]);
  const files = [script, style, worker];
  const sizes = files.map((entry) => ({ file: entry.file, bytes: entry.bytes.length, gzipBytes: gzipSync(entry.bytes, { level: 9 }).length }));
  for (const size of sizes) log(`web: ${size.file} ${size.bytes} bytes, ${size.gzipBytes} gzipped`);
  const total = checkWebBudget(sizes, limit);
  log(`web: total ${total} gzipped bytes (budget ${limit})`);

  const manifest = {
    script: { file: script.file, integrity: integrityOf(script.bytes) },
    style: { file: style.file, integrity: integrityOf(style.bytes) },
    worker: { file: worker.file },
    gzip_bytes: total,
  };
  // Hashed names change with every content change: drop the previous build's files so none go stale.
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await Promise.all(files.map((entry) => writeFile(join(outdir, entry.file), entry.bytes)));
  // Written last: a manifest on disk means its three files are there too.
  await writeFile(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
