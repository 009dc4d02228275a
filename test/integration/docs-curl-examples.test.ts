// Every curl example in README.md and docs/*.md, run with the real curl binary against the real
// server, checked against what the docs promise. Examples are found anew on every run (see
// docs-curl/extract-examples.ts): a new one is tested without editing this file, and one whose route
// has no check in docs-curl/route-checks.ts fails until it gets one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaste, uploadFile } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { CurlObserver, findCurl, hasPython3 } from './docs-curl/curl-observer.js';
import { documentedExamples, documentFiles, unextractedCurlLines } from './docs-curl/extract-examples.js';
import type { DocExample } from './docs-curl/extract-examples.js';
import { checkFor, ROUTE_CHECKS } from './docs-curl/route-checks.js';
import { pathsIn, placeholdersIn, substitute, writeFixtures } from './docs-curl/substitute.js';
import type { Placeholders } from './docs-curl/substitute.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const EXAMPLES = documentedExamples(ROOT);
const REAL_CURL = findCurl();
const PYTHON3 = hasPython3();

/**
 * Examples that cannot run in this test, each with the reason; an entry that no longer matches an
 * example fails the discovery test, so the list stays true. None today: the TLS and proxy examples
 * of identity.md/operations.md are nginx and openssl configuration, not curl lines.
 */
const NOT_RUN: readonly { file: string; contains: string; reason: string }[] = [
  {
    file: 'docs/api.md',
    contains: 'npx redocly lint',
    reason: 'runs the project-local Redocly from a checkout (npx would download it in a temp dir); the same lint of the served document runs in test/integration/openapi-lint.test.ts',
  },
];

/**
 * The README's "quick local try" (`SEALBIN_POW_DIFFICULTY=0 npm start`) with every other setting at
 * its documented default (the test helper would otherwise switch the limits off).
 */
const AS_DOCUMENTED: Record<string, string> = {
  SEALBIN_RATE_CREATE: '30/hour',
  SEALBIN_RATE_READ: '600/minute',
  SEALBIN_RATE_HEALTH: '1/second',
  SEALBIN_BRUTE_MAX: '10',
  SEALBIN_DEDUP_MAX: '3',
};
const QUICK_TRY = { ...AS_DOCUMENTED, SEALBIN_POW_DIFFICULTY: '0' };
/** Script blocks (the proof-of-work recipe) run against the default difficulty, 20 bits (set here because the helper's default is 0). */
const DEFAULTS = { ...AS_DOCUMENTED, SEALBIN_POW_DIFFICULTY: '20' };

const notRunReason = (example: DocExample) => NOT_RUN.find((entry) => entry.file === example.file && example.command.includes(entry.contains))?.reason;
const title = (example: DocExample) => `${example.file}:${example.line} ${example.kind === 'script' ? '(script block)' : example.command}`;

interface FileState {
  values: Placeholders;
  contents: Map<string, string>;
}

/** Gives placeholders an example uses before any earlier example defined them a real value. */
async function seed(command: string, base: string, state: FileState): Promise<void> {
  for (const name of placeholdersIn(command)) {
    if (state.values[name] !== undefined) continue;
    if (name === 'pasteId' || name === 'deleteToken') {
      const item = await createPaste(base, 'seeded by the docs test\n');
      state.values.pasteId = item.id;
      state.values.deleteToken = item.delete_token as string;
      state.contents.set(item.id, item.sha256);
    } else if (name === 'fileKey') {
      const item = await uploadFile(base, 'seeded file\n', 'seeded.txt');
      state.values.fileKey = item.key as string;
      state.contents.set(item.key as string, item.sha256);
    } else {
      const response = await fetch(`${base}/s`, { method: 'POST', body: 'https://example.org/seeded' });
      state.values.shortId = ((await response.json()) as { id: string }).id;
    }
  }
}

async function runExample(observer: CurlObserver, example: DocExample, server: RunningServer, cwd: string, state: FileState, timeoutMs: number): Promise<void> {
  await seed(example.command, server.url, state);
  const command = substitute(example.command, server.url, state.values);
  for (const path of pathsIn(command, server.url)) for (const route of ROUTE_CHECKS) if (route.path.test(path)) await route.prepare?.(server.url);

  const run = await observer.run(command, cwd, timeoutMs);
  expect(run.exitCode, `exit status of: ${command}\nstderr: ${run.stderr}`).toBe(0);
  expect(run.transfers.length, 'the example made no HTTP request').toBeGreaterThan(0);
  for (const transfer of run.transfers) {
    expect(transfer.exitCode, `curl failed on ${transfer.method} ${transfer.url.href}: ${run.stderr}`).toBe(0);
    const route = checkFor(transfer);
    if (!route) throw new Error(`no check for ${transfer.method} ${transfer.url.pathname}: add one to test/integration/docs-curl/route-checks.ts`);
    await route.check({ command, transfer, stdout: run.stdout, cwd, base: server.url, values: state.values, contents: state.contents });
  }
  // A documented request must never crash the server or make it log an error.
  expect(server.process.exitCode).toBeNull();
  expect(server.output()).not.toMatch(/"level":(50|60)/);
}

describe('discovering the curl examples', () => {
  it('finds the examples of README.md and docs/*.md, including the proof-of-work recipes', () => {
    const files = new Set(EXAMPLES.map((example) => example.file));
    expect([...files]).toEqual(expect.arrayContaining(['README.md', 'docs/cli.md', 'docs/identity.md']));
    expect(EXAMPLES.filter((example) => example.file === 'README.md' && example.kind === 'line').length).toBeGreaterThanOrEqual(15);
    expect(EXAMPLES.filter((example) => example.kind === 'script').map((example) => example.file).sort()).toEqual(['README.md', 'docs/abuse.md', 'docs/api.md']);
  });

  it('misses no line that runs curl against a URL', () => {
    const missed = documentFiles(ROOT).flatMap((file) => unextractedCurlLines(file, readFileSync(join(ROOT, file), 'utf8')).map((line) => `${file}:${line}`));
    expect(missed, 'write these as fenced command lines or one-line code spans starting with curl').toEqual([]);
  });

  it('lists as "not run" only examples that still exist', () => {
    for (const entry of NOT_RUN) expect(EXAMPLES.some((example) => example.file === entry.file && example.command.includes(entry.contains)), `${entry.file}: ${entry.contains}`).toBe(true);
  });
});

const files = [...new Set(EXAMPLES.map((example) => example.file))];

describe.skipIf(REAL_CURL === null)('curl examples, run as documented (needs curl)', () => {
  let observer: CurlObserver | undefined;
  beforeAll(() => {
    observer = new CurlObserver(REAL_CURL as string);
  });
  afterAll(() => observer?.dispose());

  describe.each(files)('%s', (file) => {
    const lines = EXAMPLES.filter((example) => example.file === file && example.kind !== 'script');
    const scripts = EXAMPLES.filter((example) => example.file === file && example.kind === 'script');
    let server: RunningServer | undefined;
    let cwd = '';
    const state: FileState = { values: {}, contents: new Map() };

    beforeAll(async () => {
      if (lines.length === 0) return;
      // One server and one working directory per document: its examples build on each other in order.
      server = await startServer({ env: QUICK_TRY });
      cwd = mkdtempSync(join(tmpdir(), 'docs-curl-'));
      writeFixtures(cwd);
    });
    afterAll(async () => {
      await server?.dispose();
      if (cwd) rmSync(cwd, { recursive: true, force: true });
    });

    for (const example of lines) {
      const reason = notRunReason(example);
      if (reason !== undefined) it.skip(`${title(example)} — not run: ${reason}`, () => undefined);
      else it(title(example), () => runExample(observer as CurlObserver, example, server as RunningServer, cwd, state, 30_000), 60_000);
    }

    for (const example of scripts) {
      it.skipIf(!PYTHON3)(`${title(example)} against the default proof-of-work difficulty (needs python3)`, async () => {
        const scriptServer = await startServer({ env: DEFAULTS });
        const scriptCwd = mkdtempSync(join(tmpdir(), 'docs-curl-script-'));
        try {
          writeFixtures(scriptCwd);
          await runExample(observer as CurlObserver, example, scriptServer, scriptCwd, { values: {}, contents: new Map() }, 100_000);
        } finally {
          await scriptServer.dispose();
          rmSync(scriptCwd, { recursive: true, force: true });
        }
      }, 120_000);
    }
  });
});
