import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // After each test: every running test server must not have crashed or logged an undeclared error.
    setupFiles: ['test/helpers/setup-server-checks.ts'],
    // Limits for a stuck test, not speed checks (speed is `npm run bench`): integration tests start
    // real processes, which on a loaded 2-core machine can take many seconds each.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Integration suites start real server processes; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
