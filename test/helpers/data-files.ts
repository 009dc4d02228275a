// Searching every file of a data directory for bytes (black-box checks that something was shredded
// or never written in clear: the database, its WAL and shared-memory files, blobs, logs).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
}

/** Every file under the data dir (relative paths) whose bytes contain `needle`. */
export function filesContaining(dataDir: string, needle: Buffer): string[] {
  const out: string[] = [];
  walk(dataDir, out);
  return out.filter((path) => {
    try {
      return readFileSync(path).includes(needle);
    } catch (error) {
      // A file removed between listing and reading (a blob being shredded, the WAL being deleted).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }).map((path) => relative(dataDir, path));
}

/** Names the needles still found, e.g. ["wrapped key of A in sealbin.db-wal"]; empty when none is. */
export function leftovers(dataDir: string, needles: Record<string, Buffer>): string[] {
  return Object.entries(needles).flatMap(([name, needle]) => filesContaining(dataDir, needle).map((file) => `${name} in ${file}`));
}
