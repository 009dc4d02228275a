// The test step of `npm test`: `vitest run --coverage`, or plain `vitest run` when CI_COVERAGE=0.
// The runs on other Node versions set it (.ci/run-on-node): one coverage report, from the Node 20 run,
// is enough, and measuring costs time (numbers in test/README.md). Arguments go through to vitest.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const coverage = process.env.CI_COVERAGE === '0' ? [] : ['--coverage'];
if (coverage.length === 0) console.log('CI_COVERAGE=0: running the tests without coverage (no thresholds)');
const run = spawnSync(process.execPath, [vitest, 'run', ...coverage, ...process.argv.slice(2)], { stdio: 'inherit' });
if (run.error) throw run.error;
// A vitest killed by a signal is a failed run, never a pass.
process.exit(run.status ?? 1);
