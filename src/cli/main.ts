// The `fpaste` entry point (bundled into dist/fpaste.js, served at GET /client): runs the command
// line and turns every failure into one line on stderr and an exit code (0 ok, 1 error, 2 usage).
import { CommanderError } from 'commander';
import { E2eFormatError } from '../crypto/e2e-format.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './errors.js';
import { removePendingFiles } from './output.js';
import { buildProgram, closeContexts } from './program.js';
import { describeE2eError } from './receive.js';

function exit(code: number): never {
  removePendingFiles();
  closeContexts();
  // Let whatever is queued for stdout/stderr (pipes) flush before leaving.
  process.stdout.write('', () => process.exit(code));
  setTimeout(() => process.exit(code), 2000).unref();
  return undefined as never;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here too.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' || error.exitCode === 0) return EXIT_OK;
    return EXIT_USAGE;
  }
  if (error instanceof CliError) {
    console.error(`fpaste: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof E2eFormatError) {
    console.error(`fpaste: ${describeE2eError(error)}`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`fpaste: unexpected error: ${message}${process.env['FPASTE_DEBUG'] ? '' : ' (FPASTE_DEBUG=1 shows details)'}`);
  if (process.env['FPASTE_DEBUG'] && error instanceof Error) console.error(error.stack);
  return EXIT_FAILURE;
}

async function main(): Promise<void> {
  // Interrupted downloads leave no half-written files behind.
  process.once('SIGINT', () => {
    removePendingFiles();
    process.exit(130);
  });
  // `fpaste get … | head` closing the pipe early is not an error worth a message.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') exit(EXIT_OK);
  });
  try {
    await buildProgram().parseAsync(process.argv);
    exit(EXIT_OK);
  } catch (error) {
    exit(report(error));
  }
}

void main();
