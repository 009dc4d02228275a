// The built page (dist/web, from scripts/build.mjs): manifest and files, read once at start and
// kept in memory (three small files). Missing or inconsistent: the page is off and the server says so.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

// Only plain names and well-formed hashes get into the shell's HTML or the asset map.
const fileName = z.string().regex(/^[A-Za-z0-9_-]+\.(js|css)$/);
const integrity = z.string().regex(/^sha384-[A-Za-z0-9+/]{64}$/);

const manifestSchema = z.object({
  script: z.object({ file: fileName, integrity }),
  style: z.object({ file: fileName, integrity }),
  worker: z.object({ file: fileName }),
  gzip_bytes: z.number().int().min(0),
});

export type WebManifest = z.infer<typeof manifestSchema>;

export interface WebAsset {
  bytes: Buffer;
  contentType: string;
}

export interface WebAssets {
  manifest: WebManifest;
  /** File name (as in the manifest) -> content; the only names /web/{file} serves. */
  files: ReadonlyMap<string, WebAsset>;
}

export type WebAssetsResult = { ok: true; assets: WebAssets } | { ok: false; reason: string };

/** dist/main.js reads its sibling dist/web; run from src/ (tsx) it is ../../dist/web. */
export function defaultWebDirs(): string[] {
  return [fileURLToPath(new URL('./web/', import.meta.url)), fileURLToPath(new URL('../../dist/web/', import.meta.url))];
}

function sri(bytes: Buffer): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

function typeOf(file: string): string {
  return file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
}

async function loadFrom(dir: string): Promise<WebAssetsResult> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    return { ok: false, reason: `no ${join(dir, 'manifest.json')}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${join(dir, 'manifest.json')} is not JSON` };
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) return { ok: false, reason: `${join(dir, 'manifest.json')} is not a web manifest` };
  const manifest = result.data;
  const files = new Map<string, WebAsset>();
  for (const entry of [manifest.script, manifest.style, manifest.worker]) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, entry.file));
    } catch {
      return { ok: false, reason: `${entry.file} named by the manifest is missing` };
    }
    // A stale or tampered file would be refused by the browser's SRI check anyway: say so at start.
    if ('integrity' in entry && entry.integrity !== sri(bytes)) return { ok: false, reason: `${entry.file} does not match the manifest's integrity` };
    files.set(entry.file, { bytes, contentType: typeOf(entry.file) });
  }
  return { ok: true, assets: { manifest, files } };
}

/** The first directory holding a manifest wins; the reason names the first candidate otherwise. */
export async function loadWebAssets(dirs: readonly string[] = defaultWebDirs()): Promise<WebAssetsResult> {
  let first: WebAssetsResult | null = null;
  for (const dir of dirs) {
    const result = await loadFrom(dir);
    if (result.ok) return result;
    first ??= result;
    // A manifest that exists but is broken is the answer; only a missing one moves on.
    if (!result.reason.startsWith('no ')) return result;
  }
  return first ?? { ok: false, reason: 'no web directory' };
}
