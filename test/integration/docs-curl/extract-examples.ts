// Finds every curl example in the project's Markdown, so the docs test runs them all: a new example
// is picked up without anyone editing the test, and fails there until its route has a check.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DocExample {
  /** Relative to the repository root, e.g. `README.md`, `docs/api.md`. */
  file: string;
  /** 1-based line where the example starts. */
  line: number;
  /**
   * `line`: one command line of a fenced block (continuations joined); `inline`: a code span in prose;
   * `script`: a whole fenced block marked with SCRIPT_MARKER, run as one shell script.
   */
  kind: 'line' | 'inline' | 'script';
  /** The shell text exactly as documented. */
  command: string;
}

/** Put on the line before a fence whose lines only make sense together (shell variables, files). */
export const SCRIPT_MARKER = '<!-- docs-curl: script -->';

/** curl in command position: at the start, or after a pipe, `;`, `&&`, `||`, `(` or `$(`. */
const CURL_COMMAND = /(?:^|[|;&(]\s*)curl\s/;

function invokesCurl(line: string): boolean {
  const trimmed = line.trim();
  return !trimmed.startsWith('#') && CURL_COMMAND.test(trimmed);
}

const FENCE = /^(\s*)(`{3,}|~{3,})/;

/** The examples of one Markdown text, in document order. */
export function extractExamples(file: string, markdown: string): DocExample[] {
  const lines = markdown.split('\n');
  const examples: DocExample[] = [];
  let previous = '';
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] as string;
    const fence = FENCE.exec(text);
    if (!fence) {
      examples.push(...inlineExamples(file, index + 1, text));
      if (text.trim() !== '') previous = text.trim();
      continue;
    }
    const [, indent = '', marker = ''] = fence;
    const body: string[] = [];
    const start = index + 1;
    for (index++; index < lines.length && !(lines[index] as string).trim().startsWith(marker); index++) body.push((lines[index] as string).startsWith(indent) ? (lines[index] as string).slice(indent.length) : (lines[index] as string));
    if (previous === SCRIPT_MARKER) {
      if (!body.some(invokesCurl)) throw new Error(`${file}:${start}: a block marked as a curl script has no curl command`);
      examples.push({ file, line: start + 1, kind: 'script', command: body.join('\n') });
    } else {
      examples.push(...lineExamples(file, start + 1, body));
    }
    previous = '';
  }
  return examples;
}

/** Each logical line (backslash continuations joined) of a fenced block that runs curl. */
function lineExamples(file: string, firstLine: number, body: string[]): DocExample[] {
  const examples: DocExample[] = [];
  for (let at = 0; at < body.length; at++) {
    const line = at;
    let command = body[at] as string;
    while (command.endsWith('\\') && at + 1 < body.length) command = `${command.slice(0, -1)}${body[++at] as string}`;
    if (invokesCurl(command)) examples.push({ file, line: firstLine + line, kind: 'line', command: command.trim() });
  }
  return examples;
}

/** A code span in prose counts when it runs curl against a URL; `curl -T` alone is just a word. */
function inlineExamples(file: string, line: number, text: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const match of text.matchAll(/`([^`]+)`/g)) {
    const span = match[1] as string;
    if (invokesCurl(span) && /https?:\/\//.test(span)) examples.push({ file, line, kind: 'inline', command: span.trim() });
  }
  return examples;
}

/** README.md and every docs/*.md of the repository at `root`, in a stable order. */
export function documentFiles(root: string): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
}

export function documentedExamples(root: string): DocExample[] {
  return documentFiles(root).flatMap((file) => extractExamples(file, readFileSync(join(root, file), 'utf8')));
}

/**
 * Lines that mention curl and a URL but belong to no example: what the extractor would miss (curl
 * after `sudo`, a code span broken over two lines, ...). The docs test requires there are none.
 */
export function unextractedCurlLines(file: string, markdown: string): number[] {
  const covered = new Set<number>();
  for (const example of extractExamples(file, markdown)) {
    const lines = example.kind === 'script' ? example.command.split('\n').length : 1;
    for (let at = 0; at < lines; at++) covered.add(example.line + at);
  }
  return markdown
    .split('\n')
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text, line }) => /\bcurl\s.*https?:\/\//.test(text) && !covered.has(line))
    .map(({ line }) => line);
}
