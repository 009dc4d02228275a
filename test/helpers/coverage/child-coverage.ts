// Where the Node processes the tests start write their V8 coverage (NODE_V8_COVERAGE), beside the
// report so that vitest's clean at the start of a run removes what an earlier run left.
import { join } from 'node:path';

/** The folder inside the coverage reports directory that child processes write to. */
export function childCoverageDir(reportsDirectory: string): string {
  return join(reportsDirectory, '.children');
}

/** The preload that lets a test end a server with its coverage written (see flush-on-signal.mjs). */
export const FLUSH_ON_SIGNAL = new URL('./flush-on-signal.mjs', import.meta.url).pathname;
