// fpaste completion SHELL: prints the completion script for bash, zsh or fish (commander itself
// refuses any other shell with exit code 2, since the argument lists its choices).
import type { Command } from 'commander';
import { completionScript } from '../completion/script.js';
import type { Shell } from '../completion/script.js';
import { VERSION } from '../version.js';

export function completionCommand(shell: Shell, program: Command, defaultCommand: string): void {
  process.stdout.write(completionScript(shell, program, VERSION, defaultCommand));
}
