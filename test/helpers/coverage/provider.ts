// Vitest custom coverage provider: the V8 provider as it is, plus the coverage of the Node processes
// the tests start (servers, fpaste), which the workers' own V8 coverage cannot see. See test/README.md.
import v8 from '@vitest/coverage-v8';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CoverageProvider, ReportContext } from 'vitest/node';
import { childCoverageDir } from './child-coverage.js';
import { childCoverage } from './merge-children.js';

async function createProvider(): Promise<CoverageProvider> {
  // Loaded here, not at the top: workers load this module too (for startCoverage) and need none of it.
  const { V8CoverageProvider } = await import('@vitest/coverage-v8/dist/provider.js');

  class WithChildProcesses extends V8CoverageProvider {
    override async generateCoverage(context: ReportContext) {
      const coverageMap = await super.generateCoverage(context);
      const root = this.ctx.config.root;
      const dir = childCoverageDir(resolve(root, this.options.reportsDirectory));
      const children = await childCoverage(dir, resolve(root, 'dist'), (file) => this.isIncluded(file));
      coverageMap.merge(children.data);
      this.ctx.logger.log(`coverage: merged the coverage of ${children.processes} child processes`);
      for (const reason of children.skipped) this.ctx.logger.error(`coverage: a child bundle not counted: ${reason}`);
      // Hundreds of megabytes of raw process coverage; the report holds what matters.
      await rm(dir, { recursive: true, force: true });
      return coverageMap;
    }
  }
  return new WithChildProcesses();
}

export default { ...v8, getProvider: createProvider };
