// What a shell needs to complete fpaste, read from the commander program itself (never written by
// hand, so a new command or option shows up in every completion script the day it is added).
import type { Argument, Command, Option } from 'commander';

/** How a value (an option's or an argument's) is completed. */
export type ValueKind = { kind: 'file' } | { kind: 'dir' } | { kind: 'text'; hint: string } | { kind: 'choice'; choices: readonly string[] };

export interface OptionSpec {
  /** Every spelling, short first: `['-s', '--server']`. */
  names: readonly string[];
  description: string;
  /** Absent for flags that take no value. */
  value?: ValueKind;
}

export interface CommandState {
  /** Subcommand names from the program down to here, joined by spaces ('' for the program). */
  path: string;
  commands: readonly { name: string; description: string }[];
  /** The command's own options and those of every command above it (commander accepts both anywhere). */
  options: readonly OptionSpec[];
  /** One per positional argument; the last one repeats when `variadic`. */
  arguments: readonly ValueKind[];
  variadic: boolean;
}

export interface CompletionSpec {
  program: string;
  /** Path of the command a first positional runs when it names no command ('create' for fpaste). */
  defaultPath: string | undefined;
  /** Every command, program first. */
  states: readonly CommandState[];
}

/** A placeholder name (`<file>`, `[dir]`) says what the value is; anything else is free text. */
function kindOf(placeholder: string, choices: readonly string[] | undefined): ValueKind {
  if (choices && choices.length > 0) return { kind: 'choice', choices };
  if (placeholder === 'file') return { kind: 'file' };
  if (placeholder === 'dir') return { kind: 'dir' };
  return { kind: 'text', hint: placeholder };
}

function optionSpec(option: Option): OptionSpec {
  const names = [option.short, option.long].filter((name): name is string => name !== undefined);
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  const spec: OptionSpec = { names, description: firstLine(option.description) };
  return placeholder === undefined ? spec : { ...spec, value: kindOf(placeholder, option.argChoices) };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

function argumentKind(argument: Argument, siblings: readonly Command[]): ValueKind {
  // commander's own `help [command]` takes a command name.
  if (argument.name() === 'command' && siblings.length > 0) return { kind: 'choice', choices: siblings.map((command) => command.name()) };
  return kindOf(argument.name(), argument.argChoices);
}

/** Walks the program; `defaultCommand` names the subcommand registered with `isDefault`. */
export function completionSpec(program: Command, defaultCommand?: string): CompletionSpec {
  const states: CommandState[] = [];
  const visit = (command: Command, path: string[], inherited: readonly OptionSpec[], siblings: readonly Command[]) => {
    const help = command.createHelp();
    const own = help.visibleOptions(command).map(optionSpec);
    // A command's own spelling wins (its -h prints its own help).
    const taken = new Set(own.flatMap((option) => option.names));
    const options = [...own, ...inherited.filter((option) => !option.names.some((name) => taken.has(name)))];
    const commands = help.visibleCommands(command);
    const registered = command.registeredArguments;
    states.push({
      path: path.join(' '),
      commands: commands.map((sub) => ({ name: sub.name(), description: firstLine(sub.description()) })),
      options,
      arguments: registered.map((argument) => argumentKind(argument, siblings)),
      variadic: registered.at(-1)?.variadic === true,
    });
    const real = commands.filter((sub) => command.commands.includes(sub));
    // commander's implicit `help` command is not in command.commands; it completes its siblings.
    for (const sub of commands) visit(sub, [...path, sub.name()], options, real.includes(sub) ? [] : real);
  };
  visit(program, [], [], []);
  const root = states[0] as CommandState;
  const fallback = defaultCommand === undefined ? undefined : states.find((state) => state.path === defaultCommand);
  if (defaultCommand !== undefined && !fallback) throw new Error(`no command ${defaultCommand} to complete as the default`);
  // `fpaste --burn notes.txt` runs the default command: its options and file argument apply at the top.
  if (fallback) {
    const taken = new Set(root.options.flatMap((option) => option.names));
    states[0] = { ...root, options: [...root.options, ...fallback.options.filter((option) => !option.names.some((name) => taken.has(name)))], arguments: fallback.arguments, variadic: fallback.variadic };
  }
  return { program: program.name(), defaultPath: fallback?.path, states };
}
