// The proof-of-work search in a dedicated worker (a classic worker script, so the page stays
// responsive): the CLI's own solver, powSearch, over the candidate blocks index, index + stride, …
// Each finished block reports the hashes tried; the page stops every worker once one has an answer.
import { powSearch } from '../cli/pow-search.js';
import type { PowJob, PowReport } from './pow-messages.js';

const scope = self as unknown as { onmessage: ((event: MessageEvent<PowJob>) => void) | null; postMessage(message: PowReport): void };

// The page terminates a worker only once it is running: stopping one whose script is still loading
// would abort that request half-way.
scope.postMessage({ started: true });

scope.onmessage = (event) => {
  const { prefix, difficulty, index, stride, block, max } = event.data;
  for (let round = 0; ; round++) {
    const start = (round * stride + index) * block;
    if (start > max) {
      scope.postMessage({ tried: 0, exhausted: true });
      return;
    }
    const found = powSearch(prefix, difficulty, start, start + block);
    scope.postMessage({ tried: found < 0 ? block : found - start + 1, found });
    if (found >= 0) return;
  }
};
