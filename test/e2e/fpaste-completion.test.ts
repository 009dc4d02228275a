// `fpaste completion bash|zsh|fish` loaded into the real shells, asked for completions the way each
// shell asks: bash through COMP_WORDS/COMP_CWORD and the registered function, zsh through its
// completion system in a pseudo-terminal (helpers/zsh-complete.zsh), fish through `complete -C`.
// A shell that is not installed skips its tests with the reason (.ci/run installs zsh and fish).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/completion/script.js';
import type { Shell } from '../../src/cli/completion/script.js';
import { has } from '../deploy/tools.js';
import { expectExit, FpasteUser } from '../helpers/fpaste.js';

const ZSH_HARNESS = new URL('../helpers/zsh-complete.zsh', import.meta.url).pathname;
const BASH_HARNESS = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "$(complete -p "$1" | sed -E "s/.*-F ([^ ]+) .*/\\1/")"; printf "%s\\n" "${COMPREPLY[@]}"';

let dir: string;
let user: FpasteUser;
const scripts = new Map<Shell, string>();

beforeAll(async () => {
  user = new FpasteUser();
  dir = mkdtempSync(join(tmpdir(), 'sealbin-completion-'));
  // The working directory the shells complete file names in.
  mkdirSync(join(dir, 'work', 'backups'), { recursive: true });
  for (const name of ['notes.txt', 'my notes.txt', 'photo.jpg']) writeFileSync(join(dir, 'work', name), 'x');
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const result = expectExit(await user.run(['completion', shell]), 0);
    const path = join(dir, `fpaste.${shell}`);
    writeFileSync(path, result.out);
    scripts.set(shell, path);
  }
});

afterAll(() => {
  user?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') } });
  expect(result.error, `${command} ran`).toBeUndefined();
  expect(result.status, `${command} failed:\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** What `shell` offers for `line` (words split on single spaces; a trailing space completes a new word). */
function complete(shell: Shell, script: string, line: string, cwd = join(dir, 'work')): string[] {
  if (shell === 'bash') return lines(run('bash', ['--norc', '--noprofile', '-c', BASH_HARNESS, 'bash', script, ...line.split(' ')], cwd));
  // zsh quotes what it inserts (my\ notes.txt); the candidate is the unquoted name.
  if (shell === 'zsh') {
    const ask = () => lines(run('zsh', ['-f', ZSH_HARNESS, script, line, cwd, join(dir, 'zcompdump')], cwd));
    // The pseudo-terminal harness lost every candidate once in CI on a busy machine (an empty answer
    // where a rerun answers); an empty answer is asked once more, so "nothing" is still asserted.
    const answer = ask();
    return [...new Set((answer.length > 0 ? answer : ask()).map((entry) => entry.replace(/^match:/, '').replaceAll('\\ ', ' ')))];
  }
  // fish prints "candidate<TAB>description"; directories end in /.
  return lines(run('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', script, line], cwd)).map((entry) => entry.split('\t')[0] as string);
}

function lines(text: string): string[] {
  return text.split('\n').filter((entry) => entry !== '');
}

/** Directory candidates may carry a trailing slash (fish); compare names. */
const names = (candidates: string[]) => candidates.map((candidate) => candidate.replace(/\/$/, '')).sort();

const COMMANDS = ['completion', 'config', 'create', 'delete', 'download', 'export', 'get', 'help', 'info', 'list', 'pki', 'register', 'search', 'shorten', 'update', 'upload'];
const FILES = ['backups', 'my notes.txt', 'notes.txt', 'photo.jpg'];

describe.each(['bash', 'zsh', 'fish'] as const)('fpaste completion %s in a real %s', (shell) => {
  const reason = has(shell) ? '' : ` (skipped: ${shell} is not installed; Debian package ${shell})`;
  const script = () => scripts.get(shell) as string;

  it.skipIf(reason !== '')(`parses, and completes commands and files (the default command takes a file) at the top${reason}`, () => {
    run(shell, shell === 'fish' ? ['--no-config', '-n', script()] : ['-n', script()], dir);
    expect(names(complete(shell, script(), 'fpaste '))).toEqual([...COMMANDS, ...FILES].sort());
    expect(names(complete(shell, script(), 'fpaste up'))).toEqual(['update', 'upload']);
  });

  it.skipIf(reason !== '')(`completes subcommands, options, and skips option values to find the command${reason}`, () => {
    expect(names(complete(shell, script(), 'fpaste pki '))).toEqual(['download', 'help', 'issue', 'list', 'revoke', 'status']);
    expect(complete(shell, script(), 'fpaste --bu')).toEqual(['--burn']);
    expect(complete(shell, script(), 'fpaste pki issue --out')).toEqual(['--out-dir']);
    expect(names(complete(shell, script(), 'fpaste -s https://paste.example.org up'))).toEqual(['update', 'upload']);
    expect(names(complete(shell, script(), 'fpaste completion '))).toEqual(['bash', 'fish', 'zsh']);
    expect(names(complete(shell, script(), 'fpaste pki help re'))).toEqual(['revoke']);
  });

  it.skipIf(reason !== '')(`completes files and directories where fpaste takes them, and nothing where it takes text${reason}`, () => {
    expect(names(complete(shell, script(), 'fpaste upload '))).toEqual(FILES);
    expect(names(complete(shell, script(), 'fpaste get ID -o '))).toEqual(FILES);
    expect(names(complete(shell, script(), 'fpaste --cert ph'))).toEqual(['photo.jpg']);
    expect(names(complete(shell, script(), 'fpaste export --output '))).toEqual(['backups']);
    expect(complete(shell, script(), 'fpaste get ID --key ')).toEqual([]);
    // `fpaste notes.txt` is create with its one file: nothing more to complete.
    expect(complete(shell, script(), 'fpaste notes.txt ')).toEqual([]);
  });

  it.skipIf(reason !== '')(`runs nothing from descriptions: quotes, $() and backticks stay text${reason}`, () => {
    const program = new Command('nasty');
    const marker = join(dir, `pwned-${shell}`);
    program.option('--it-is <file>', `it's "$(touch ${marker})" \`touch ${marker}\` \\ done`);
    program.command('weird').description(`$(touch ${marker}) it's`);
    const path = join(dir, `nasty.${shell}`);
    writeFileSync(path, completionScript(shell, program, '1'));
    expect(names(complete(shell, path, 'nasty we'))).toEqual(['weird']);
    expect(complete(shell, path, 'nasty --it')).toEqual(['--it-is']);
    if (shell === 'fish') expect(run('fish', ['--no-config', '-c', 'source $argv[1]; complete -C "nasty --it"', path], dir)).toContain(`it's "$(touch ${marker})"`);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('fpaste completion zsh installed the way docs/cli.md says (a file _fpaste in $fpath)', () => {
  const reason = has('zsh') ? '' : ' (skipped: zsh is not installed; Debian package zsh)';
  it.skipIf(reason !== '')(`is autoloaded by compinit and completes${reason}`, () => {
    const folder = join(dir, 'zfunc');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '_fpaste'), readFileSync(scripts.get('zsh') as string));
    const offered = run('zsh', ['-f', ZSH_HARNESS, `fpath:${folder}`, 'fpaste pki ', join(dir, 'work'), join(dir, 'zcompdump-fpath')], join(dir, 'work'));
    expect(names(lines(offered).map((entry) => entry.replace(/^match:/, '')))).toEqual(['download', 'help', 'issue', 'list', 'revoke', 'status']);
  });
});
