// Looking at what a server left in its data directory (black-box: only the layout the contract implies).
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function walk(dir: string, skip: (path: string) => boolean, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip(path)) continue;
    if (entry.isDirectory()) walk(path, skip, out);
    else out.push(path);
  }
}

/** Stored blob files under blobs/ (everything except blobs/tmp), relative to the data dir, sorted. */
export function blobFiles(dataDir: string): string[] {
  const tmp = join(dataDir, 'blobs', 'tmp');
  const out: string[] = [];
  walk(join(dataDir, 'blobs'), (path) => path === tmp, out);
  return out.map((path) => relative(dataDir, path)).sort();
}

/** Whatever is in blobs/tmp (in-progress or abandoned uploads). */
export function tmpFiles(dataDir: string): string[] {
  const out: string[] = [];
  walk(join(dataDir, 'blobs', 'tmp'), () => false, out);
  return out.map((path) => relative(dataDir, path)).sort();
}
