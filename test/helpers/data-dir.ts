// Looking at what a server left in its data directory (black-box: only the layout the contract implies).
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, relative } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'vitest';

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

/** What `holdFile` keeps of a file: its bytes when taken, and a way to read the same inode later. */
export interface HeldFile {
  /** The content when the hold was taken. */
  readonly original: Buffer;
  /** The inode's content now, read through the open descriptor (the name may be gone). */
  now(): Buffer;
  close(): void;
}

/**
 * Opens `path` and keeps the descriptor: after the server removes the name, the inode lives on for
 * us, so a test can see whether its bytes were overwritten before the unlink or merely unlinked.
 */
export function holdFile(path: string): HeldFile {
  const fd = openSync(path, 'r');
  const read = (): Buffer => {
    const { size } = fstatSync(fd);
    const buffer = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buffer, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return buffer.subarray(0, at);
  };
  const original = read();
  return { original, now: read, close: () => closeSync(fd) };
}

/**
 * Asserts `now` is `original` overwritten in place: same length (not truncated, which would free the
 * blocks with the old bytes still on them), and no more bytes left equal than random bytes would
 * match by chance (1 in 256; 2 % leaves a wide margin), with no 4 KiB block left intact.
 */
export function expectOverwritten(original: Buffer, now: Buffer, what: string): void {
  expect(original.length, `${what}: the file held had content`).toBeGreaterThan(0);
  expect(now.length, `${what}: size after the shred`).toBe(original.length);
  let same = 0;
  for (let i = 0; i < original.length; i++) if (original[i] === now[i]) same++;
  expect(same / original.length, `${what}: share of bytes left unchanged`).toBeLessThan(0.02);
  for (let at = 0; at < original.length; at += 4096) {
    expect(now.subarray(at, at + 4096).equals(original.subarray(at, at + 4096)), `${what}: block at ${at} still the original`).toBe(false);
  }
}

/**
 * Row counts of `tables` in a server's SQLite file, read through a read-only connection (the server
 * keeps running; a read-only reader writes nothing, so it works on a full disk too).
 */
export function countRows(dataDir: string, tables: readonly string[]): Record<string, number> {
  const db = new BetterSqlite3(join(dataDir, 'sealbin.db'), { readonly: true, fileMustExist: true });
  try {
    // Table names come from the test itself, never from input.
    return Object.fromEntries(tables.map((table) => [table, (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}
