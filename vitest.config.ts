import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // After each test: every running test server must not have crashed or logged an undeclared error.
    setupFiles: ['test/helpers/setup-server-checks.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real server processes; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
