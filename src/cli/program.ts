// fpaste's command line (commander): every command, its options and help. Actions only parse and
// delegate to commands/*.ts; each builds its Context from the global options.
import { Argument, Command } from 'commander';
import type { Context as ContextType, GlobalFlags } from './context.js';
import { Context } from './context.js';
import { completionCommand } from './commands/completion.js';
import { configCommand } from './commands/config.js';
import { createCommand } from './commands/create.js';
import { downloadCommand, getCommand } from './commands/get.js';
import { exportCommand, listCommand } from './commands/list.js';
import { deleteCommand, infoCommand, updateCommand } from './commands/manage.js';
import { pkiDownloadCommand, pkiIssueCommand, pkiListCommand, pkiRevokeCommand, pkiStatusCommand, registerCommand } from './commands/pki.js';
import { shortenCommand } from './commands/shorten.js';
import { SHELLS } from './completion/script.js';
import type { Shell } from './completion/script.js';
import { setQuiet } from './progress.js';
import { VERSION } from './version.js';

const contexts: ContextType[] = [];

/** Closes every connection the commands opened (so the process can exit at once). */
export function closeContexts(): void {
  for (const ctx of contexts.splice(0)) ctx.close();
}

function context(command: Command): ContextType {
  const flags = command.optsWithGlobals<GlobalFlags>();
  setQuiet(flags.quiet === true);
  const ctx = Context.fromFlags(flags);
  contexts.push(ctx);
  return ctx;
}

/** The command a first word that names no command runs (`fpaste notes.txt`); completions follow it. */
export const DEFAULT_COMMAND = 'create';

const EXPIRY_HELP = 'delete after this long: seconds, or 10m, 1h, 3d, 2w, 1y (default: the server\'s)';

const MAIN_HELP = `
Examples:
  fpaste notes.txt                      paste a file, end-to-end encrypted; prints URL#key
  make 2>&1 | fpaste --expiry 1h        paste stdin, gone in an hour
  fpaste --burn secret.txt              readable once, then destroyed
  fpaste --max-downloads 3 report.pdf   downloadable 3 times, then destroyed
  fpaste get 'https://host/ID#KEY' -o out.txt
  fpaste upload photo.jpg               share under a six-word download key
  fpaste register --configure           get a client certificate (for list, search, update, export;
                                        the server must be https://, see docs/identity.md)

Settings: flags override FPASTE_SERVER, FPASTE_CERT, FPASTE_KEY, FPASTE_CA, FPASTE_FINGERPRINT
(and FPASTE_CONFIG for the file), which override the config file
($XDG_CONFIG_HOME/fpaste/config: "server = https://host" lines).
Exit codes: 0 ok, 1 server or input error, 2 usage error.
`;

export function buildProgram(): Command {
  const program = new Command('fpaste');
  program
    .description('Command-line client for Sealbin: pastes and file shares, end-to-end encrypted by default.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`fpaste: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(run fpaste --help for usage)')
    .option('-s, --server <url>', 'server URL (FPASTE_SERVER)')
    .option('--cert <file>', 'client certificate, PEM (FPASTE_CERT)')
    .option('--key <file>', 'private key of the client certificate, PEM (FPASTE_KEY)')
    .option('--ca <file>', 'CA certificate(s) to verify the server with (FPASTE_CA)')
    .option('--fingerprint <sha256>', 'accept only the server certificate with this SHA-256 fingerprint (FPASTE_FINGERPRINT)')
    .option('--config <file>', 'config file (FPASTE_CONFIG; default $XDG_CONFIG_HOME/fpaste/config)')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', MAIN_HELP);

  const createOptions = (command: Command, encryptByDefault: boolean) => {
    if (encryptByDefault) command.option('-E, --no-encrypt', 'send plain content (the server can read it and its name)');
    else command.option('-e, --encrypt', 'encrypt end to end (the key is appended to the URL after #)');
    return command
      .option('--expiry <duration>', EXPIRY_HELP)
      .option('--burn', 'burn after reading: served once, then destroyed')
      .option('--max-downloads <n>', 'served to N complete downloads (1-1000), then destroyed')
      .option('--name <name>', 'file name (encrypted: inside the ciphertext; plain: visible to the server)')
      .option('--json', 'print the whole server response as JSON')
      .option('--no-save', 'do not remember the key and delete token locally')
      .option('--resumable', 'upload in resumable parts (tus) whatever the size (default: from 16 MiB on, when the server offers it)')
      .option('--no-resumable', 'always upload in one request');
  };

  createOptions(program.command(`${DEFAULT_COMMAND} [file]`, { isDefault: true }).description('create a paste from FILE or stdin (the default command); prints its URL#key'), true).action(
    async (file: string | undefined, options: { encrypt: boolean; expiry?: string; burn?: boolean; maxDownloads?: string; name?: string; json?: boolean; save: boolean; resumable?: boolean }, command: Command) => {
      await createCommand(context(command), file, options, 'paste');
    },
  );

  program
    .command('get <ref>')
    .description('fetch a paste (ID or URL; decrypts with the key after #) to stdout or a file')
    .option('-o, --output <file>', 'write to FILE (created only when everything verified); - for stdout')
    .option('-O, --remote-name', 'save under the paste\'s own (sanitised) file name in the current directory')
    .option('--key <key>', 'the decryption key, if not in the URL')
    .option('--raw', 'do not decrypt: output what the server stores')
    .option('-f, --force', 'write binary content to a terminal; overwrite with -O')
    .action(async (ref: string, options: { output?: string; remoteName?: boolean; key?: string; raw?: boolean; force?: boolean }, command: Command) => {
      await getCommand(context(command), ref, options);
    });

  program
    .command('delete <ref>')
    .description('delete a paste or file share (with its remembered delete token, --token, or your certificate)')
    .option('--token <token>', 'the delete token from the create response')
    .action(async (ref: string, options: { token?: string }, command: Command) => {
      await deleteCommand(context(command), ref, options);
    });

  program
    .command('info [ref]')
    .description('server information (limits, proof-of-work difficulty); with a paste ID or URL, its metadata')
    .option('--json', 'print JSON')
    .action(async (ref: string | undefined, options: { json?: boolean }, command: Command) => {
      await infoCommand(context(command), ref, options);
    });

  const listOptions = (command: Command) =>
    command
      .option('--limit <n>', 'at most N items')
      .option('--everyone', 'admins: everyone\'s items')
      .option('--json', 'print JSON');

  listOptions(program.command('list').description('list your items (needs your client certificate)')).action(async (options: { limit?: string; everyone?: boolean; json?: boolean }, command: Command) => {
    await listCommand(context(command), options);
  });

  listOptions(
    program
      .command('search')
      .description('search your items by type and creation time (needs your client certificate)')
      .option('--type <glob>', 'MIME type or glob, e.g. image/* (the server sees encrypted items as application/octet-stream)')
      .option('--after <time>', 'created after: Unix seconds, a date (2024-05-01), or an age (3d)')
      .option('--before <time>', 'created before: Unix seconds, a date, or an age'),
  ).action(async (options: { type?: string; after?: string; before?: string; limit?: string; everyone?: boolean; json?: boolean }, command: Command) => {
    await listCommand(context(command), options);
  });

  program
    .command('update <ref> [file]')
    .description('replace the content (FILE, or - for stdin) and/or metadata of a paste you own')
    .option('--encrypt', 'encrypt the new content end to end (default: as the item was; a new key when its key is not known here)')
    .option('-E, --no-encrypt', 'send the new content plain (default: as the item was)')
    .option('--expiry <duration>', EXPIRY_HELP)
    .option('--burn', 'make it burn after reading')
    .option('--no-burn', 'make it stay after reading')
    .option('--max-downloads <n>', 'allow N more complete downloads (1-1000), then destroy it')
    .option('--name <name>', 'file name')
    .option('--json', 'print the server response as JSON')
    .action(async (ref: string, file: string | undefined, options: { encrypt?: boolean; expiry?: string; burn?: boolean; maxDownloads?: string; name?: string; json?: boolean }, command: Command) => {
      await updateCommand(context(command), ref, file, options);
    });

  program
    .command('export')
    .description('save all your items into a directory, decrypted where the key is known, with index.json')
    .requiredOption('-o, --output <dir>', 'target directory (created, mode 0700)')
    .option('--include-burn', 'also export burn-after-read items (this destroys them on the server)')
    .action(async (options: { output: string; includeBurn?: boolean }, command: Command) => {
      await exportCommand(context(command), options);
    });

  createOptions(program.command('upload <file>').description('share a file under a diceware download key (plain by default: the server can preview it)'), false).action(
    async (file: string, options: { encrypt?: boolean; expiry?: string; burn?: boolean; maxDownloads?: string; name?: string; json?: boolean; save: boolean; resumable?: boolean }, command: Command) => {
      await createCommand(context(command), file, { ...options, encrypt: options.encrypt === true }, 'file');
    },
  );

  program
    .command('download <key>')
    .description('download a shared file by its six-word key or URL (saved under its own name)')
    .option('-o, --output <file>', 'write to FILE; - for stdout')
    .option('--key <key>', 'the decryption key of an encrypted share, if not after # in the URL')
    .option('--raw', 'do not decrypt')
    .option('-f, --force', 'overwrite an existing file; write binary content to a terminal')
    .action(async (key: string, options: { output?: string; key?: string; raw?: boolean; force?: boolean }, command: Command) => {
      await downloadCommand(context(command), key, options);
    });

  program
    .command('shorten <url>')
    .description('make a short link (on servers with the URL shortener)')
    .option('--expiry <duration>', EXPIRY_HELP)
    .option('--json', 'print the server response as JSON')
    .action(async (url: string, options: { expiry?: string; json?: boolean }, command: Command) => {
      await shortenCommand(context(command), url, options);
    });

  const pki = program.command('pki').description('the server\'s certificate authority');
  pki
    .command('status')
    .description('whether a CA exists, and how many certificates were issued and revoked')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await pkiStatusCommand(context(command), options);
    });
  pki
    .command('issue')
    .description('admins: issue a client certificate (the key pair is made here; only a CSR is sent)')
    .requiredOption('-n, --name <name>', 'common name of the holder')
    .option('--admin', 'with admin rights')
    .option('--days <n>', 'validity in days')
    .option('--out-dir <dir>', 'where to write NAME.crt and NAME.key (default: here)')
    .option('-f, --force', 'overwrite existing files')
    .option('--json', 'print JSON')
    .action(async (options: { name: string; admin?: boolean; days?: string; outDir?: string; force?: boolean; json?: boolean }, command: Command) => {
      await pkiIssueCommand(context(command), options);
    });
  pki
    .command('list')
    .description('admins: every issued certificate with its serial, status and holder')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await pkiListCommand(context(command), options);
    });
  pki
    .command('revoke <serial>')
    .description('admins: revoke a certificate by its serial (see pki list); refused by the server from its next request on')
    .option('--json', 'print JSON')
    .action(async (serial: string, options: { json?: boolean }, command: Command) => {
      await pkiRevokeCommand(context(command), serial, options);
    });
  pki
    .command('download')
    .description('the CA certificate (PEM), or with --crl the revocation list')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--crl', 'the certificate revocation list instead')
    .action(async (options: { output?: string; crl?: boolean }, command: Command) => {
      await pkiDownloadCommand(context(command), options);
    });

  program
    .command('register')
    .description('get a client certificate by solving a proof of work; the private key never leaves this machine')
    .option('-n, --name <name>', 'common name (default: user@host)')
    .option('--configure', 'write server, cert and key into the config file')
    .option('-f, --force', 'replace an existing identity')
    .option('--json', 'print JSON')
    .action(async (options: { name?: string; configure?: boolean; force?: boolean; json?: boolean }, command: Command) => {
      await registerCommand(context(command), options);
    });

  program
    .command('config')
    .description('show the effective settings and where each comes from')
    .option('--write', 'save settings given as flags or FPASTE_* variables into the config file (mode 0600)')
    .action((options: { write?: boolean }, command: Command) => {
      configCommand(context(command), options);
    });

  program
    .command('completion')
    .description('print the completion script for bash, zsh or fish (see docs/cli.md to install it)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action((shell: Shell) => {
      completionCommand(shell, program, DEFAULT_COMMAND);
    });

  return program;
}
