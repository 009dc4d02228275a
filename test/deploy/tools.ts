// Whether a command-line tool is installed: looked up on PATH without spawning a shell, so a busy
// machine (a failed spawn) can never turn into "not installed" and skip a test.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function has(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
