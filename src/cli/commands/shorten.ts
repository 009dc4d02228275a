// fpaste shorten URL: POST /s with a short-link proof of work. Servers without the shortener
// answer POST /s with 404; that is reported as such rather than as a missing item.
import type { ShortJson } from '../api-types.js';
import type { Context } from '../context.js';
import { ApiError, CliError, UsageError } from '../errors.js';
import { withProofOfWork } from '../proof-of-work.js';
import { explainCreateRefusal, expiryHeaders } from './create.js';

export async function shortenCommand(ctx: Context, target: string, options: { expiry?: string; json?: boolean }): Promise<void> {
  if (!/^https?:\/\/\S+$/i.test(target)) throw new UsageError('give an http:// or https:// URL to shorten');
  const client = ctx.client();
  const headers = { 'content-type': 'application/json', ...expiryHeaders({ expiry: options.expiry }) };
  let created: ShortJson;
  try {
    created = await withProofOfWork(client, 'short', (pow) => client.json<ShortJson>('POST', '/s', { headers: { ...headers, ...pow }, body: JSON.stringify({ url: target }) }), { tryWithout: ctx.hasIdentity() && !ctx.isPlainHttp() });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'NOT_FOUND') throw new CliError(`${client.base} has no URL shortener (it needs a newer Sealbin)`);
    throw explainCreateRefusal(ctx, error);
  }
  if (options.json) return void process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
  process.stdout.write(`${created.short_url}\n`);
}
