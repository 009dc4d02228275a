// Turns the raw V8 coverage the child processes wrote (one JSON file per process) into Istanbul
// coverage of src/: only the scripts of our own bundles in dist/ count; their counts are summed over
// all processes first, so each bundle is mapped back through its esbuild source map once.
import { mergeProcessCovs } from '@bcoe/v8-coverage';
import type { ProcessCov } from '@bcoe/v8-coverage';
import convert from 'ast-v8-to-istanbul';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAstAsync } from 'vitest/node';

type CoverageMapData = Awaited<ReturnType<typeof convert>>;

export interface ChildCoverage {
  /** Istanbul coverage of the source files `isIncluded` accepts. */
  data: CoverageMapData;
  /** How many process files were read, and bundles that could not be mapped (with the reason). */
  processes: number;
  skipped: string[];
}

/** Sums the coverage of the scripts under `distDir` over every process file in `dir`. */
export async function mergeProcessFiles(dir: string, distDir: string): Promise<{ merged: ProcessCov; processes: number }> {
  const prefix = pathToFileURL(distDir).href + '/';
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  } catch {
    return { merged: { result: [] }, processes: 0 };
  }
  let merged: ProcessCov = { result: [] };
  for (const name of names) {
    const cov = JSON.parse(await readFile(join(dir, name), 'utf8')) as ProcessCov;
    // Dependencies and Node's internals are most of each file; drop them before merging.
    const ours = cov.result.filter((script) => script.url.startsWith(prefix) && script.url.endsWith('.js'));
    if (ours.length > 0) merged = mergeProcessCovs([merged, { result: ours }]);
  }
  return { merged, processes: names.length };
}

export async function childCoverage(dir: string, distDir: string, isIncluded: (file: string) => boolean): Promise<ChildCoverage> {
  const { merged, processes } = await mergeProcessFiles(dir, distDir);
  const data: CoverageMapData = {};
  const skipped: string[] = [];
  for (const script of merged.result) {
    const file = fileURLToPath(script.url);
    let code: string;
    let map: { version: number; sources: string[]; mappings: string; names: string[] };
    try {
      code = await readFile(file, 'utf8');
      // Every bundle has its map beside it (scripts/build.mjs); fpaste's carries no sourceMappingURL.
      map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as typeof map;
    } catch (error) {
      // A bundle rebuilt or removed after it ran cannot be mapped; say so rather than guess.
      skipped.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    map.sources = map.sources.map((source) => new URL(source, script.url).href);
    const converted = await convert({ code, sourceMap: map, ast: parseAstAsync(code), coverage: { url: script.url, functions: script.functions } });
    for (const [source, coverage] of Object.entries(converted)) {
      const path = source.startsWith('file:') ? fileURLToPath(source) : source;
      if (isIncluded(path)) data[path] = coverage;
    }
  }
  return { data, processes, skipped };
}
