// Bundles the server entry with esbuild (dependencies stay external in node_modules).
// `--if-stale` skips the build when dist/ is newer than every source file, so `npm start` is fast.
import { build } from 'esbuild';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'src/main.ts');
const out = join(root, 'dist/main.js');

async function newestMtime(dir) {
  let newest = 0;
  for (const entryName of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entryName.name);
    const time = entryName.isDirectory() ? await newestMtime(path) : (await stat(path)).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

async function isStale() {
  try {
    const built = (await stat(out)).mtimeMs;
    const sources = Math.max(await newestMtime(join(root, 'src')), (await stat(join(root, 'package.json'))).mtimeMs);
    return sources > built;
  } catch {
    return true;
  }
}

if (process.argv.includes('--if-stale') && !(await isStale())) process.exit(0);

await build({
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
