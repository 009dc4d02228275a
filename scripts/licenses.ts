// `npm run licenses`: the licence of every production dependency (the tree `npm ci --omit=dev`
// installs), checked against an allow list of permissive licences. Prints a table; exits 1 when a
// package's licence is missing or outside the list, so it can gate CI and releases.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** SPDX ids we accept in anything we ship. Copyleft (GPL, LGPL, MPL, EPL, ...) needs a human decision. */
export const ALLOWED: ReadonlySet<string> = new Set(['MIT', 'MIT-0', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD', 'BlueOak-1.0.0', 'Unlicense', 'CC0-1.0', 'Python-2.0', 'Zlib']);

interface LsNode {
  name?: string;
  version?: string;
  license?: unknown;
  path?: string;
  missing?: boolean;
  /** The package's own optional peers (pg's pg-native): absent ones appear in the tree as empty nodes. */
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dependencies?: Record<string, LsNode>;
}

export interface Row {
  name: string;
  version: string;
  license: string;
  ok: boolean;
}

/** The licence field as a string: `license` (SPDX expression or legacy {type}) or legacy `licenses` [{type}]. */
export function licenseOf(manifest: { license?: unknown; licenses?: unknown }): string {
  const { license, licenses } = manifest;
  if (typeof license === 'string' && license.trim() !== '') return license.trim();
  if (license !== null && typeof license === 'object' && typeof (license as { type?: unknown }).type === 'string') return (license as { type: string }).type;
  if (Array.isArray(licenses)) {
    const types = licenses.map((entry: unknown) => (typeof entry === 'string' ? entry : (entry as { type?: unknown } | null)?.type)).filter((type): type is string => typeof type === 'string');
    if (types.length > 0) return types.length === 1 ? (types[0] as string) : `(${types.join(' OR ')})`;
  }
  return 'UNKNOWN';
}

/**
 * Whether an SPDX expression is acceptable: an OR needs one acceptable side, an AND needs both,
 * `X WITH exception` is judged by X (exceptions only grant more).
 * @example isAllowed('(MIT OR GPL-3.0-only)') === true
 */
export function isAllowed(expression: string, allowed: ReadonlySet<string> = ALLOWED): boolean {
  const tokens = expression.replace(/[()]/g, (p) => ` ${p} `).trim().split(/\s+/);
  let at = 0;
  const peek = () => tokens[at];
  const primary = (): boolean => {
    const token = tokens[at++];
    if (token === undefined) return false;
    if (token === '(') {
      const value = orExpr();
      if (tokens[at++] !== ')') return false;
      return value;
    }
    // `GPL-2.0+` is GPL-2.0-or-later: judged by its base id like any other.
    const value = allowed.has(token.replace(/\+$/, ''));
    if (peek()?.toUpperCase() === 'WITH') at += 2;
    return value;
  };
  const andExpr = (): boolean => {
    let value = primary();
    while (peek()?.toUpperCase() === 'AND') {
      at++;
      value = primary() && value;
    }
    return value;
  };
  const orExpr = (): boolean => {
    let value = andExpr();
    while (peek()?.toUpperCase() === 'OR') {
      at++;
      value = andExpr() || value;
    }
    return value;
  };
  const result = orExpr();
  return result && at === tokens.length;
}

/** Every installed production package (deduplicated by name@version), from `npm ls --omit=dev`. */
export function productionPackages(root: string): Row[] {
  let output: string;
  try {
    output = execFileSync('npm', ['ls', '--omit=dev', '--all', '--json', '--long'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    // npm ls exits 1 on tree problems (missing, invalid) but still prints the tree: judge that tree.
    output = String((error as { stdout?: unknown }).stdout ?? '');
    if (output === '') throw new Error('npm ls --omit=dev failed: run `npm ci` first', { cause: error });
  }
  const tree = JSON.parse(output) as LsNode;
  const rows = new Map<string, Row>();
  const walk = (deps: Record<string, LsNode> | undefined, parent?: LsNode) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      // An optional peer that is not installed is not shipped, so it has no licence to judge.
      if (node.version === undefined && parent?.peerDependenciesMeta?.[name]?.optional === true) continue;
      if (node.missing || node.version === undefined) throw new Error(`${name} is missing from node_modules: run \`npm ci\` first`);
      const key = `${name}@${node.version}`;
      // A package appears once in full and elsewhere as a "deduped" stub without dependencies, in
      // either order: record it once, but walk every occurrence so no subtree is skipped.
      walk(node.dependencies, node);
      if (rows.has(key)) continue;
      let license = node.license === undefined ? undefined : licenseOf({ license: node.license });
      if ((license === undefined || license === 'UNKNOWN') && node.path) {
        license = licenseOf(JSON.parse(readFileSync(join(node.path, 'package.json'), 'utf8')) as { license?: unknown; licenses?: unknown });
      }
      license ??= 'UNKNOWN';
      rows.set(key, { name, version: node.version, license, ok: isAllowed(license) });
    }
  };
  walk(tree.dependencies);
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function table(rows: readonly Row[]): string {
  const header: Row = { name: 'package', version: 'version', license: 'license', ok: true };
  const width = (pick: (row: Row) => string) => Math.max(...[header, ...rows].map((row) => pick(row).length));
  const [wn, wv, wl] = [width((r) => r.name), width((r) => r.version), width((r) => r.license)];
  const line = (row: Row, mark: string) => `${row.name.padEnd(wn)}  ${row.version.padEnd(wv)}  ${row.license.padEnd(wl)}  ${mark}`;
  return [line(header, 'verdict'), line({ name: '-'.repeat(wn), version: '-'.repeat(wv), license: '-'.repeat(wl), ok: true }, '-------'), ...rows.map((row) => line(row, row.ok ? 'ok' : 'NOT ALLOWED'))].join('\n');
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const rows = productionPackages(root);
  console.log(table(rows));
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.license, (counts.get(row.license) ?? 0) + 1);
  console.log(`\n${rows.length} production packages: ${[...counts].sort((a, b) => b[1] - a[1]).map(([license, n]) => `${license} ${n}`).join(', ')}`);
  const bad = rows.filter((row) => !row.ok);
  if (bad.length > 0) {
    console.error(`\n${bad.length} package(s) with a licence outside the allow list (scripts/licenses.ts ALLOWED):`);
    for (const row of bad) console.error(`  ${row.name}@${row.version}: ${row.license}`);
    process.exit(1);
  }
  console.log('all production licences are on the allow list');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
