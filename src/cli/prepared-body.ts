// A creation's or update's body as prepared from FILE or stdin (commands/create.ts prepareBody), and
// the checks made on it before sending, shared by the single-request and the resumable (tus) paths.
import type { BodySource, Encryption } from './body.js';
import type { Context } from './context.js';
import { CliError, NetworkError } from './errors.js';
import { formatBytes } from './progress.js';

export interface PreparedBody {
  /** What a single-request creation sends (multipart-wrapped for a plain non-ASCII name). */
  source: BodySource;
  /** The content itself (the ciphertext when encrypting), never wrapped: what tus sends in parts. */
  content: BodySource;
  /** The name the server may see (plain uploads only). */
  plainName?: string;
  /** Bytes the server stores and checks against its max_size (the file part of a multipart body). */
  itemLength: number;
  headers: Record<string, string>;
  encryption: Encryption | null;
}

/** Bodies at least this large are checked against the server's limit first; smaller ones cost no more to send than to ask. */
const PRECHECK_BYTES = 1024 * 1024;

/**
 * Refuses, before a single byte of content is sent, a body larger than the server accepts (GET /
 * limits.max_size): otherwise a 200 MiB upload starts only to be cut off by a 413.
 */
export async function refuseOverLimit(ctx: Context, body: PreparedBody): Promise<void> {
  if (body.itemLength < PRECHECK_BYTES) return;
  let max: number;
  try {
    max = (await ctx.serverInfo()).limits.max_size;
  } catch (error) {
    if (error instanceof NetworkError) throw error;
    return; // No usable answer (an old server, a proxy): the upload itself gets the server's verdict.
  }
  if (typeof max !== 'number' || body.itemLength <= max) return;
  const what = body.encryption ? `${formatBytes(body.itemLength)} once encrypted` : formatBytes(body.itemLength);
  throw new CliError(`too large: ${what}, and the server accepts at most ${formatBytes(max)} per item; nothing was sent`);
}
