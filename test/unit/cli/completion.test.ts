// The completion generator: everything fpaste's commander program defines ends up in the spec (and
// so in every script), values are classified from their placeholders, the default command applies at
// the top, and hidden things stay hidden. The scripts themselves run in real shells in
// test/e2e/fpaste-completion.test.ts.
import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { completionScript, SHELLS } from '../../../src/cli/completion/script.js';
import { completionSpec } from '../../../src/cli/completion/spec.js';
import type { CommandState } from '../../../src/cli/completion/spec.js';
import { buildProgram, DEFAULT_COMMAND } from '../../../src/cli/program.js';

const program = buildProgram();
const spec = completionSpec(program, DEFAULT_COMMAND);
const state = (path: string): CommandState => {
  const found = spec.states.find((candidate) => candidate.path === path);
  if (!found) throw new Error(`no state ${path}`);
  return found;
};
const option = (path: string, name: string) => state(path).options.find((candidate) => candidate.names.includes(name));

/** Every command of a program with its path, read straight from commander. */
function walk(command: Command, path: string[] = []): { path: string; command: Command }[] {
  return [{ path: path.join(' '), command }, ...command.commands.flatMap((sub) => walk(sub, [...path, sub.name()]))];
}

describe('completion spec from the commander program', () => {
  it('has a state for every command, listing its subcommands and every spelling of its options', () => {
    for (const { path, command } of walk(program)) {
      const found = state(path);
      expect(found.commands.map((sub) => sub.name)).toEqual(expect.arrayContaining(command.commands.map((sub) => sub.name())));
      for (const own of command.options) for (const name of [own.short, own.long].filter(Boolean)) expect(found.options.flatMap((o) => o.names), `${path}: ${name}`).toContain(name);
      // At the top, the arguments are the default command's (`fpaste notes.txt`).
      const argumentsOf = path === '' ? program.commands.find((sub) => sub.name() === DEFAULT_COMMAND) : command;
      expect(found.arguments).toHaveLength(argumentsOf?.registeredArguments.length ?? -1);
    }
    // commander's implicit `help` command too, completing the names of its siblings.
    expect(state('').commands.map((sub) => sub.name)).toContain('help');
    expect(state('pki help').arguments).toEqual([{ kind: 'choice', choices: ['status', 'issue', 'list', 'revoke', 'download'] }]);
  });

  it('classifies values from their placeholders: files, directories, choices, free text', () => {
    expect(option('', '--cert')?.value).toEqual({ kind: 'file' });
    expect(option('get', '-o')?.value).toEqual({ kind: 'file' });
    expect(option('export', '--output')?.value).toEqual({ kind: 'dir' });
    expect(option('pki issue', '--out-dir')?.value).toEqual({ kind: 'dir' });
    expect(option('', '--server')?.value).toEqual({ kind: 'text', hint: 'url' });
    expect(option('', '--burn')?.value).toBeUndefined();
    expect(state('completion').arguments).toEqual([{ kind: 'choice', choices: ['bash', 'zsh', 'fish'] }]);
    expect(state('upload').arguments).toEqual([{ kind: 'file' }]);
    expect(state('update').arguments).toEqual([{ kind: 'text', hint: 'ref' }, { kind: 'file' }]);
  });

  it('offers the global options everywhere, but a command\'s own spelling wins', () => {
    expect(option('pki issue', '--server')?.value).toEqual({ kind: 'text', hint: 'url' });
    // get's --key is the decryption key, not the global --key <file> of the client certificate.
    expect(option('get', '--key')?.value).toEqual({ kind: 'text', hint: 'key' });
    expect(state('get').options.filter((o) => o.names.includes('--key'))).toHaveLength(1);
    expect(option('get', '-h')?.description).toBe('show help');
  });

  it('applies the default command at the top: its options and its file argument', () => {
    expect(spec.defaultPath).toBe('create');
    expect(option('', '--burn')).toBeDefined();
    expect(option('', '--no-encrypt')).toBeDefined();
    expect(state('').arguments).toEqual([{ kind: 'file' }]);
    expect(() => completionSpec(program, 'nonesuch')).toThrow(/nonesuch/);
  });

  it('leaves out hidden commands and options, and marks variadic arguments', () => {
    const small = new Command('tool');
    small.addOption(new Option('--secret-switch').hideHelp());
    small.option('--shown <dir>');
    small.command('visible <file...>');
    small.command('internal', { hidden: true });
    const smallSpec = completionSpec(small);
    const root = smallSpec.states[0] as CommandState;
    expect(root.options.flatMap((o) => o.names)).not.toContain('--secret-switch');
    expect(root.commands.map((c) => c.name)).not.toContain('internal');
    expect(smallSpec.states.map((s) => s.path)).not.toContain('internal');
    const visible = smallSpec.states.find((s) => s.path === 'visible');
    expect(visible?.arguments).toEqual([{ kind: 'file' }]);
    expect(visible?.variadic).toBe(true);
    expect(smallSpec.defaultPath).toBeUndefined();
  });
});

describe('completion scripts', () => {
  it.each(SHELLS)('%s: names the program, registers it and carries every command and long option', (shell) => {
    const script = completionScript(shell, program, '9.9.9', DEFAULT_COMMAND);
    expect(script).toContain('fpaste 9.9.9');
    expect(script).toMatch(shell === 'bash' ? /^complete -F _fpaste fpaste$/m : shell === 'zsh' ? /^#compdef fpaste$/m : /^complete -c fpaste -f$/m);
    for (const { path, command } of walk(program)) {
      expect(script).toContain(path === '' ? "''" : path);
      for (const own of command.options) if (own.long) expect(script, `${shell} ${path} ${own.long}`).toContain(shell === 'fish' ? `-l '${own.long.slice(2)}'` : own.long);
    }
  });

  it.each(SHELLS)('%s: a new option on the program appears in the script without any other change', (shell) => {
    const extended = buildProgram();
    extended.commands.find((command) => command.name() === 'get')?.option('--brand-new-flag <file>', 'added later');
    const script = completionScript(shell, extended, '1', DEFAULT_COMMAND);
    expect(script).toContain(shell === 'fish' ? "-l 'brand-new-flag'" : '--brand-new-flag');
    expect(completionScript(shell, buildProgram(), '1', DEFAULT_COMMAND)).not.toContain('brand-new-flag');
  });
});
