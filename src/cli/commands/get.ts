// fpaste get ID|URL and fpaste download KEY|URL: fetch, verify, decrypt with the fragment key (or a
// remembered one), and write to stdout or a file that appears only once everything checked out.
import { join } from 'node:path';
import { decodeKey, E2eFormatError } from '../../crypto/e2e-format.js';
import type { Context } from '../context.js';
import type { Response } from '../http-client.js';
import { CliError, UsageError } from '../errors.js';
import { lookup } from '../item-store.js';
import { fileOutput, safeFilename, stdoutOutput } from '../output.js';
import type { Output } from '../output.js';
import { describeE2eError, receive } from '../receive.js';
import { parsePasteRef, parseShareRef } from '../refs.js';

export interface GetOptions {
  output?: string;
  remoteName?: boolean;
  force?: boolean;
  key?: string;
  raw?: boolean;
}

export function keyFrom(text: string | undefined): Buffer | null {
  if (text === undefined || text === '') return null;
  try {
    return Buffer.from(decodeKey(text));
  } catch (error) {
    throw new CliError(error instanceof E2eFormatError ? describeE2eError(error) : (error as Error).message);
  }
}

/** The file name from Content-Disposition (filename* preferred), if any. */
export function dispositionName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1] as string);
    } catch {
      // Fall back to the plain parameter.
    }
  }
  return /filename\s*=\s*"([^"]*)"/i.exec(header)?.[1] ?? /filename\s*=\s*([^;\s]+)/i.exec(header)?.[1];
}

function chooseOutput(options: GetOptions, fallbackName: string | null): Output {
  if (options.output !== undefined && options.remoteName) throw new UsageError('use either -o FILE or -O, not both');
  if (options.output !== undefined && options.output !== '-') return fileOutput(options.output, { existing: 'overwrite' });
  // -O (and downloads): a name chosen by someone else never replaces an existing file without --force.
  if (options.output === undefined && fallbackName !== null) return fileOutput(join(process.cwd(), fallbackName), { existing: options.force ? 'overwrite' : 'keep' });
  return stdoutOutput();
}

/**
 * A failed read of a burn-after-read item (wrong key, no key, a cut) still destroyed it on the
 * server: say so, or the reader retries with another key and gets a puzzling "not found".
 */
async function burnAware(response: Response, read: Promise<unknown>): Promise<void> {
  try {
    await read;
  } catch (error) {
    // The server serves burn-after-read items whole only, and says so with Accept-Ranges: none.
    const left = Number(response.header('x-downloads-remaining') ?? 0);
    // A download limit with reads left: this read counted, but the item is still there.
    if (error instanceof CliError && response.header('accept-ranges') === 'none' && left > 0) {
      throw new CliError(`${error.message}. The item has a download limit and this failed read used one of them: ${left} left`);
    }
    if (error instanceof CliError && response.header('accept-ranges') === 'none') {
      throw new CliError(`${error.message}. It was a burn-after-read item, and this read destroyed it on the server: it is gone (ask the sender to send it again)`);
    }
    throw error;
  }
}

export async function getCommand(ctx: Context, refText: string, options: GetOptions): Promise<void> {
  const ref = parsePasteRef(refText);
  const base = ref.base ?? ctx.server;
  const key = options.raw ? null : keyFrom(options.key ?? ref.key ?? lookup(ref.id, base)?.key);
  const toStdout = options.output === undefined ? !options.remoteName : options.output === '-';
  // Check the output before fetching: reading a burn-after-read paste destroys it.
  const output = chooseOutput(options, options.remoteName ? ref.id : null);
  let response;
  try {
    response = await ctx.client(base).ok('GET', `/${ref.id}/raw`);
  } catch (error) {
    output.abort();
    throw error;
  }
  if (options.remoteName) output.retarget?.(join(process.cwd(), safeFilename(dispositionName(response.header('content-disposition')), ref.id)));
  await burnAware(response, receive({
    response,
    key,
    raw: options.raw === true,
    output,
    refuseBinary: toStdout && process.stdout.isTTY === true && !options.force,
    label: 'downloading',
    onMetadata: (metadata) => {
      if (options.remoteName) output.retarget?.(join(process.cwd(), safeFilename(metadata.name, ref.id)));
    },
  }));
  if (options.remoteName && options.output === undefined) console.error(`saved ${output.label}`);
}

export async function downloadCommand(ctx: Context, refText: string, options: GetOptions): Promise<void> {
  const ref = parseShareRef(refText);
  const base = ref.base ?? ctx.server;
  const key = options.raw ? null : keyFrom(options.key ?? ref.key);
  const toStdout = options.output === '-';
  const response = await ctx.client(base).ok('GET', `/download/${encodeURIComponent(ref.phrase)}`);
  // Path traversal: the server's (or the sender's encrypted) name is reduced to a plain file name.
  const serverName = safeFilename(dispositionName(response.header('content-disposition')), 'download');
  let output: Output;
  try {
    output = chooseOutput({ ...options, remoteName: false }, toStdout ? null : serverName);
  } catch (error) {
    response.body.destroy();
    throw error;
  }
  await burnAware(response, receive({
    response,
    key,
    raw: options.raw === true,
    output,
    refuseBinary: toStdout && process.stdout.isTTY === true && !options.force,
    label: 'downloading',
    onMetadata: (metadata) => {
      if (options.output === undefined && metadata.name) output.retarget?.(join(process.cwd(), safeFilename(metadata.name, serverName)));
    },
  }));
  if (!toStdout) console.error(`saved ${output.label}`);
}
