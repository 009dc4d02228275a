// Vitest setup file: with coverage on, every Node process a test starts from this worker inherits
// NODE_V8_COVERAGE (and the flush-on-signal preload), so the code the real servers and fpaste run is
// measured too; provider.ts merges it into the report. Without coverage it changes nothing.
import { inject } from 'vitest';
import { FLUSH_ON_SIGNAL } from './child-coverage.js';

const dir = inject('childCoverageDir');
if (dir) {
  process.env['NODE_V8_COVERAGE'] = dir;
  const options = process.env['NODE_OPTIONS'] ?? '';
  if (!options.includes(FLUSH_ON_SIGNAL)) process.env['NODE_OPTIONS'] = `${options} --import=${FLUSH_ON_SIGNAL}`.trim();
}
