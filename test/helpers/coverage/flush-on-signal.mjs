// Preloaded (NODE_OPTIONS=--import) into every Node process a test starts while coverage is on.
// V8 writes a process's coverage only when it exits by itself, and the test helpers end servers with
// SIGKILL: on SIGUSR2 this writes the coverage now, then ends the process the same abrupt way, so no
// shutdown code runs that a plain kill would not have run either.
import { takeCoverage } from 'node:v8';

process.on('SIGUSR2', () => {
  takeCoverage();
  process.kill(process.pid, 'SIGKILL');
});
