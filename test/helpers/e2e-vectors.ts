// The "End-to-end test vectors" of docs/formats.md, parsed from the document itself: the CLI's
// streams (e2e-vectors.test.ts) and the web page's WebCrypto streams (e2e-web.test.ts) are both
// checked against these same bytes.
import { readFileSync } from 'node:fs';

export const FORMATS_DOC = readFileSync(new URL('../../docs/formats.md', import.meta.url), 'utf8');

export type Fields = Map<string, string>;

/** The "#### E2E vector" subsections of "## End-to-end format", with their `label: value` lines. */
export function parseE2eVectors(markdown: string): Map<string, Fields> {
  const start = markdown.search(/^## End-to-end format \(fpaste, web\)\s*$/m);
  if (start < 0) throw new Error('docs/formats.md has no "## End-to-end format (fpaste, web)" section');
  const rest = markdown.slice(start + 1);
  const next = rest.search(/^## /m);
  const section = next < 0 ? rest : rest.slice(0, next);
  const vectors = new Map<string, Fields>();
  for (const part of section.split(/^#### /m).slice(1)) {
    const title = (part.split('\n')[0] ?? '').trim();
    if (!title.startsWith('E2E vector')) continue;
    const fields: Fields = new Map();
    for (const block of part.matchAll(/^```text\n([\s\S]*?)^```/gm)) {
      for (const line of (block[1] ?? '').split('\n')) {
        if (line.trim() === '') continue;
        const at = line.indexOf(': ');
        if (at < 0) throw new Error(`vector "${title}": cannot parse line ${JSON.stringify(line)}`);
        const label = line.slice(0, at).trim().toLowerCase();
        if (fields.has(label)) throw new Error(`vector "${title}": label "${label}" appears twice`);
        fields.set(label, line.slice(at + 2).trim());
      }
    }
    vectors.set(title, fields);
  }
  return vectors;
}

export function text(fields: Fields, label: string): string {
  const value = fields.get(label);
  if (value === undefined) throw new Error(`missing "${label}"`);
  return value;
}

export function hex(fields: Fields, label: string): Buffer {
  const value = text(fields, label);
  if (!/^([0-9a-f]{2})*$/.test(value)) throw new Error(`"${label}" is not lowercase hex`);
  return Buffer.from(value, 'hex');
}

export function content(fields: Fields): Buffer {
  if (fields.has('content (hex)')) return hex(fields, 'content (hex)');
  const length = Number(text(fields, 'content length'));
  const rule = /^i mod ([0-9]+)$/.exec(text(fields, 'content byte i'));
  if (!rule) throw new Error('"content byte i" must read "i mod <m>"');
  return Buffer.from(Array.from({ length }, (_, i) => i % Number(rule[1])));
}

