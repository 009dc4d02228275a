// Vitest setup file: after every test, each server still running must be healthy (no unexpected exit,
// no undeclared error-level log line), so the test during which a server broke is the one that fails.
import { afterEach } from 'vitest';
import { liveServers } from './server.js';

afterEach(() => {
  const failures: string[] = [];
  for (const server of liveServers) {
    try {
      server.checkHealth();
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('\n\n'));
});
