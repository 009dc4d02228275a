// Bundles the server entry with esbuild (dependencies stay external in node_modules), and the
// `fpaste` CLI into one self-contained file (dist/fpaste.js, served at GET /client), and the browser
// page into dist/web/ (see web-build.mjs: manifest with SRI hashes, gzipped size budget).
// `--if-stale` skips the build when dist/ is newer than every source file, so `npm start` is fast.
import { build } from 'esbuild';
import { chmod, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildWeb } from './web-build.mjs';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'src/main.ts');
const out = join(root, 'dist/main.js');
const cliEntry = join(root, 'src/cli/main.ts');
const cliOut = join(root, 'dist/fpaste.js');
const webSrc = join(root, 'src/web');
const webManifest = join(root, 'dist/web/manifest.json');

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
    // The oldest output against the newest source (src/web included): a page change alone rebuilds.
    const built = Math.min((await stat(out)).mtimeMs, (await stat(cliOut)).mtimeMs, (await stat(webManifest)).mtimeMs);
    const sources = Math.max(await newestMtime(join(root, 'src')), (await stat(join(root, 'package.json'))).mtimeMs, (await stat(join(root, 'scripts/web-build.mjs'))).mtimeMs);
    return sources > built;
  } catch {
    return true;
  }
}

if (process.argv.includes('--if-stale') && !(await isStale())) process.exit(0);

// Chunk names carry content hashes: drop the previous build's so none go stale.
await rm(join(root, 'dist/chunks'), { recursive: true, force: true });

const version = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version;

await Promise.all([
  // Split so that lazily imported parts (the X.509/PKCS#12 libraries) stay out of the start-up graph.
  build({
    entryPoints: { main: entry },
    outdir: join(root, 'dist'),
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  }),
  // fpaste is downloaded as one file and run with plain `node`: every dependency is bundled in.
  // ESM output needs a real `require` for the CommonJS dependencies that require node: modules.
  build({
    entryPoints: [cliEntry],
    outfile: cliOut,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    define: { __FPASTE_VERSION__: JSON.stringify(version) },
    // The map is written beside it for the coverage report (src/cli); 'external' adds no
    // sourceMappingURL comment, so the file users download from GET /client is unchanged.
    sourcemap: 'external',
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __fpasteCreateRequire } from 'node:module';\nconst require = __fpasteCreateRequire(import.meta.url);" },
    legalComments: 'eof',
    logLevel: 'warning',
  }),
  // The browser page; fails (and so fails the whole build) when it is over its gzipped budget.
  buildWeb({ srcDir: webSrc, outdir: join(root, 'dist/web'), log: (line) => console.log(line) }),
]);
await chmod(cliOut, 0o755);
