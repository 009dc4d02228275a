// The part of @bcoe/v8-coverage (no types of its own) that merge-children.ts uses.
declare module '@bcoe/v8-coverage' {
  import type { Profiler } from 'node:inspector';

  export interface ProcessCov {
    result: Profiler.ScriptCoverage[];
  }
  /** Sums the counts of several processes' coverage, script by script (matched by URL). */
  export function mergeProcessCovs(processCovs: readonly ProcessCov[]): ProcessCov;
}
