import { defineConfig } from 'vitest/config';

// Coverage thresholds hold only where every suite runs: CI (`.ci/run` sets CI=true, provides
// PostgreSQL, Redis, Chromium and the tools, and fails when the browser suites skip). Elsewhere
// suites skip for lack of a service and the same report is informative only.
const LINES = 90;
const thresholds = process.env['CI'] ? { lines: LINES, 'src/core/**': { lines: LINES }, 'src/crypto/**': { lines: LINES }, 'src/security/**': { lines: LINES } } : undefined;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // After each test: every running test server must not have crashed or logged an undeclared error.
    // With coverage on, the processes tests start write theirs (coverage/setup-children.ts).
    setupFiles: ['test/helpers/setup-server-checks.ts', 'test/helpers/coverage/setup-children.ts'],
    // Limits for a stuck test, not speed checks (speed is `npm run bench`): integration tests start
    // real processes, which on a loaded 2-core machine can take many seconds each.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Integration suites start real server processes; two cores do not gain from more workers.
    maxWorkers: 2,
    // On with `npm test` (--coverage); `npx vitest run <files>` stays without it. See test/README.md.
    coverage: {
      provider: 'custom',
      customProviderModule: './test/helpers/coverage/provider.ts',
      include: ['src/**/*.ts'],
      exclude: [
        // The browser page runs in Chromium, not in Node: the browser suites test it by behaviour;
        // its code never runs in a process V8 coverage is taken from (see test/README.md).
        'src/web/**',
      ],
      // The text summary in the log (CI); per-file tables and HTML under coverage/ for a closer look.
      // A failed test (a timing one on a loaded machine) should not hide the numbers the run measured.
      reportOnFailure: true,
      reporter: ['text-summary', ['text', { file: 'coverage.txt', skipFull: true }], 'json-summary', 'html'],
      thresholds,
    },
  },
});
