// Turns a documented command into one that runs here: the documented server becomes the test
// server, placeholders (ID, TOKEN, KEY) become values from earlier steps, absolute output paths
// land in the example's working directory. Everything else is left exactly as written.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The hosts the docs use for "your server". */
const DOCUMENTED_ORIGIN = /https?:\/\/(?:127\.0\.0\.1:8080|localhost:8080|paste\.example\.org)/g;

export type Placeholder = 'pasteId' | 'deleteToken' | 'fileKey' | 'shortId';

/** Values the examples' placeholders stand for; filled by earlier examples (or seeded). */
export type Placeholders = Partial<Record<Placeholder, string>>;

const PATTERNS: Record<Placeholder, RegExp> = {
  // Short-link ids only appear under /s/.
  shortId: /(?<=\/s\/)ID(?=[/\s'"#]|$)/g,
  pasteId: /(?<=\/)ID(?=[/\s'"#]|$)/g,
  // Not `$TOKEN` / `${TOKEN}`: a script's own shell variable.
  deleteToken: /(?<![$\w{])TOKEN\b/g,
  fileKey: /(?<=\/)KEY(?=[/\s'"#]|$)/g,
};

/** Which placeholders a command uses (short ids are looked for first: `/s/ID` is not a paste id). */
export function placeholdersIn(command: string): Placeholder[] {
  const used: Placeholder[] = [];
  let rest = command;
  for (const name of Object.keys(PATTERNS) as Placeholder[]) {
    if (new RegExp(PATTERNS[name].source).test(rest)) used.push(name);
    rest = rest.replace(PATTERNS[name], '');
  }
  return used;
}

export function substitute(command: string, base: string, values: Placeholders): string {
  let result = command.replace(DOCUMENTED_ORIGIN, base);
  for (const name of Object.keys(PATTERNS) as Placeholder[]) {
    result = result.replace(PATTERNS[name], () => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for the ${name} placeholder`);
      return value;
    });
  }
  // `-o /etc/nginx/x.crt` is written into the example's own directory, never outside the test.
  return result.replace(/(\s(?:-o|--output)\s+)\/(?:[^\s'"/]+\/)*([^\s'"/]+)/g, '$1$2');
}

/** URL paths a (substituted) command talks to, to prepare server state before it runs. */
export function pathsIn(command: string, base: string): string[] {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...command.matchAll(new RegExp(`${escaped}(/[^\\s'"#]*)?`, 'g'))].map((match) => match[1] ?? '/');
}

/**
 * The files the examples name, with content the server detects as what the name says. A new file
 * name in the docs makes curl fail (exit 26) until it is added here.
 */
export const FIXTURES: Record<string, Buffer> = {
  'notes.txt': Buffer.from('Meeting notes\n- ship the docs test\n'),
  'notes.pdf': Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
  // A JPEG start-of-image and APP0 marker: enough for magic-byte detection.
  'photo.jpg': Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0 a tiny test picture')]),
  file: Buffer.from('any file\n'),
};

export function writeFixtures(dir: string): void {
  for (const [name, content] of Object.entries(FIXTURES)) writeFileSync(join(dir, name), content);
}
