// Builds dist/ once per test run: integration tests start the real bundled server, as users do.
// With coverage on, tells the workers where the child processes write theirs (setup-children.ts).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { childCoverageDir } from './coverage/child-coverage.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** NODE_V8_COVERAGE for the processes tests start; empty when the run measures no coverage. */
    childCoverageDir: string;
  }
}

export default function setup(project: TestProject): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const { coverage, root } = project.config;
  project.provide('childCoverageDir', coverage.enabled ? childCoverageDir(resolve(root, coverage.reportsDirectory)) : '');
}
