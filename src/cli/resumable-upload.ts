// Creations over tus (tus-client.ts): the body goes in PATCHes of PATCH_BYTES; a cut connection
// is followed by HEAD (where did the server get to?) and the rest, with bounded retries and backoff;
// a file's upload is remembered (upload-state.ts) so that the same command run again after fpaste
// died, or the server restarted, continues where the server stands instead of starting at 0.
// End-to-end encrypted bodies stay resumable because key and nonce prefix are kept: the ciphertext
// from any offset is regenerated from the chunk holding it (body.ts, crypto/e2e-resume.ts).
import { randomBytes } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeKey, E2E_PREFIX_LENGTH, encodeKey } from '../crypto/e2e-format.js';
import type { ItemJson } from './api-types.js';
import type { BodySource } from './body.js';
import { refuseOverLimit } from './prepared-body.js';
import type { PreparedBody } from './prepared-body.js';
import type { Context } from './context.js';
import { ApiError, CliError, NetworkError, UnexpectedAnswer } from './errors.js';
import type { HttpClient } from './http-client.js';
import { withProofOfWork } from './proof-of-work.js';
import { formatBytes, ProgressTap, TransferBar } from './progress.js';
import { tusCreate, tusHead, tusOffer, tusPatch, tusTerminate, TusOffsetConflict, TusUploadGone } from './tus-client.js';
import type { TusCompletion } from './tus-client.js';
import { identityOf, loadState, outdatedStates, removeState, removeStateFile, saveState, unchanged } from './upload-state.js';
import type { UploadIdentity, UploadState } from './upload-state.js';

/** Bodies from this size on go over tus by default: below it a lost upload costs little to redo. */
export const RESUMABLE_THRESHOLD = 16 * 1024 * 1024;
/**
 * Bytes per PATCH: small enough for proxies that cap request bodies and for a cut to lose little
 * (the server keeps whole PATCHes at least), large enough that the per-request fsync is noise.
 */
export const PATCH_BYTES = 8 * 1024 * 1024;
/** Consecutive failed attempts (without progress in between) before giving up. */
export const MAX_RETRIES = 6;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
/** A RATE_LIMITED answer is waited out only up to this long; beyond it the user decides. */
const MAX_RATE_WAIT_S = 60;

type Kind = 'paste' | 'file';
/** The created item, as the plain creation's 201 describes it (api/items.ts createdItemJson). */
type CreatedJson = ItemJson;

export interface ResumableOptions {
  kind: Kind;
  /** X-Expiry / X-Burn-After-Read of the creation. */
  headers: Record<string, string>;
  /** --resumable was given (a server without tus is then mentioned, not silently fallen back from). */
  explicit: boolean;
  /** The name shown in messages (the file's). */
  label: string;
}

function note(message: string): void {
  console.error(`fpaste: ${message}`);
}

function percent(done: number, total: number): string {
  return `${total === 0 ? 100 : Math.floor((done / total) * 100)}%`;
}

/** Whether a failure is the network's or the server's passing trouble (retry), or a verdict (stop). */
function retryDelay(error: unknown, failures: number): number | null {
  const backoff = BACKOFF_MS[Math.min(failures - 1, BACKOFF_MS.length - 1)] as number;
  if (error instanceof NetworkError) return backoff;
  if (error instanceof UnexpectedAnswer) return error.status >= 500 || error.status === 429 ? backoff : null;
  if (error instanceof ApiError) {
    if (error.code === 'RATE_LIMITED') return error.retryAfter !== null && error.retryAfter <= MAX_RATE_WAIT_S ? Math.max(backoff, error.retryAfter * 1000) : null;
    if (error.code === 'BACKEND_UNAVAILABLE' || error.status === 502 || error.status === 503 || error.status === 504) return backoff;
  }
  return null;
}

/** Verdicts after which the server keeps the partial upload worth resuming later (507: free space, then run again). */
function keepsPartial(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status >= 500 || error.status === 401 || error.status === 429;
}

/** The state matches this command: same kind, encryption, name and item options; else it starts over. */
function sameUpload(state: UploadState, body: PreparedBody, options: ResumableOptions, name: string | undefined): boolean {
  return (
    state.kind === options.kind &&
    (state.key !== undefined) === (body.encryption !== null) &&
    state.name === name &&
    state.length === body.content.length &&
    JSON.stringify(state.options) === JSON.stringify(options.headers)
  );
}

class ResumableUpload {
  private readonly client: HttpClient;
  private readonly source: BodySource;
  private readonly identity: UploadIdentity | null;
  private readonly name: string | undefined;
  private upload: string | null = null;
  private offset = 0;
  private bar: TransferBar | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly body: PreparedBody,
    private readonly options: ResumableOptions,
  ) {
    this.client = ctx.client();
    this.source = body.content;
    this.identity = this.source.file ? identityOf(ctx.server, this.source.file) : null;
    this.name = body.encryption ? body.encryption.metadata.name : body.plainName;
  }

  private get length(): number {
    return this.source.length;
  }

  private say(message: string): void {
    this.bar?.stop();
    this.bar = null;
    note(message);
  }

  private progressBar(): TransferBar {
    this.bar ??= new TransferBar('uploading', this.length, this.offset);
    return this.bar;
  }

  /** Termination of an upload this client gives up on: best effort (it expires on the server anyway). */
  private async abandon(upload: string): Promise<void> {
    await tusTerminate(this.client, upload).catch(() => undefined);
  }

  /** A remembered upload of this file, with its key and prefix put back into the body; or false. */
  private async restore(): Promise<boolean> {
    if (!this.identity) return false;
    const state = loadState(this.identity);
    if (!state) {
      for (const outdated of outdatedStates(this.identity)) {
        this.say(`${this.options.label} changed since its interrupted upload; starting a new one`);
        await this.abandon(outdated.upload);
        removeStateFile(outdated.file);
      }
      return false;
    }
    if (!sameUpload(state, this.body, this.options, this.name)) {
      this.say(`an earlier interrupted upload of ${this.options.label} was made with other options; starting a new one`);
      await this.abandon(state.upload);
      removeState(this.identity);
      return false;
    }
    if (this.body.encryption && state.key && state.prefix) {
      // The same key and prefix regenerate the same ciphertext, so the server's part fits the rest.
      this.body.encryption.key = Buffer.from(decodeKey(state.key));
      this.body.encryption.prefix = Buffer.from(state.prefix, 'hex');
    }
    this.upload = state.upload;
    return true;
  }

  private remember(): void {
    if (!this.identity || !this.upload) return;
    const encryption = this.body.encryption;
    try {
      saveState({
        version: 1,
        ...this.identity,
        upload: this.upload,
        length: this.length,
        kind: this.options.kind,
        options: this.options.headers,
        ...(encryption ? { key: encodeKey(encryption.key), prefix: encryption.prefix.toString('hex') } : {}),
        ...(this.name !== undefined ? { name: this.name } : {}),
        created_at: Math.floor(Date.now() / 1000),
      });
    } catch (error) {
      // Resuming within this run still works; only a later run cannot find the upload.
      this.say(`warning: cannot remember the upload for a later resume (${(error as Error).message})`);
    }
  }

  private forget(): void {
    if (this.identity) removeState(this.identity);
  }

  private async create(): Promise<void> {
    const metadata: Record<string, string> = {};
    // An encrypted upload names itself only inside the ciphertext; a plain one names itself to the server.
    if (!this.body.encryption && this.body.plainName !== undefined) metadata['filename'] = this.body.plainName;
    const send = (pow: Record<string, string>) => tusCreate(this.client, this.length, metadata, { ...this.options.headers, ...pow });
    this.upload = await withProofOfWork(this.client, 'paste', send, { tryWithout: this.ctx.hasIdentity() && !this.ctx.isPlainHttp() });
    this.offset = 0;
    this.remember();
  }

  /** Starts over after the server lost the upload: a new nonce prefix, since the file may differ in ways size and mtime do not show. */
  private async restart(): Promise<void> {
    this.forget();
    if (this.body.encryption) this.body.encryption.prefix = randomBytes(E2E_PREFIX_LENGTH);
    await this.create();
  }

  /** Null when the server does not offer tus (the caller sends the body in one request instead). */
  async run(): Promise<CreatedJson | null> {
    let resumed = await this.restore();
    if (!resumed) {
      // The same early refusal (and message) as a single-request creation, before anything is created.
      await refuseOverLimit(this.ctx, this.body);
      const offer = await tusOffer(this.client);
      if (!offer) {
        if (this.options.explicit) note('the server does not offer resumable uploads (tus); sending in one request');
        return null;
      }
      await this.create();
    }
    let failures = 0;
    let restarted = false;
    let ask = resumed;
    try {
      for (;;) {
        // How far this attempt got before it failed (what the message reports; HEAD has the last word).
        let tap: ProgressTap | null = null;
        try {
          if (ask) {
            // Nonce reuse: content that changed under the same key and prefix would be sealed with
            // nonces already used for other bytes; a changed file is never resumed.
            if (this.identity && !unchanged(this.identity)) {
              await this.abandon(this.upload as string);
              this.forget();
              throw new CliError(`${this.options.label} changed during the upload (size or modification time); run the command again to upload it anew`);
            }
            const state = await tusHead(this.client, this.upload as string);
            if (state.completion) return await this.finish(state.completion);
            if (state.length !== null && state.length !== this.length) throw new TusUploadGone('the server holds an upload of another length under this URL');
            this.offset = Math.min(state.offset, this.length);
            ask = false;
            if (resumed) {
              this.say(`resuming the interrupted upload of ${this.options.label} at ${percent(this.offset, this.length)} (${formatBytes(this.offset)} of ${formatBytes(this.length)} already on the server)`);
              resumed = false;
            }
          }
          if (this.offset >= this.length) {
            // Stored whole, but no item was made of it (its completion failed, e.g. 507 for lack of
            // space) or its answer was lost: an empty PATCH at the end asks the server to complete it,
            // or to say again what it became (api.md, "Resumable uploads").
            const result = await tusPatch(this.client, this.upload as string, this.offset, Readable.from([]), 0);
            if (result.completion) return await this.finish(result.completion);
            throw new CliError('the server has the whole upload but did not say which item it became; run the command again to upload anew');
          }
          const end = Math.min(this.offset + PATCH_BYTES, this.length);
          if (!this.source.range) throw new CliError('this input cannot be sent in parts');
          tap = new ProgressTap('uploading', this.length, { bar: this.progressBar(), start: this.offset });
          const stream = pipeline(this.source.range(this.offset, end), tap, () => undefined);
          const result = await tusPatch(this.client, this.upload as string, this.offset, stream, end - this.offset);
          if (result.completion) return await this.finish(result.completion);
          if (result.offset > this.offset) failures = 0;
          this.offset = Math.min(result.offset, this.length);
        } catch (error) {
          if (error instanceof TusUploadGone) {
            if (restarted) throw new CliError(`the server lost the upload of ${this.options.label} again (${error.message}); giving up`);
            restarted = true;
            resumed = false;
            this.say(`the server no longer has the upload of ${this.options.label} (expired, removed, or the server lost it); starting over`);
            await this.restart();
            continue;
          }
          failures++;
          const delay = error instanceof TusOffsetConflict ? 0 : retryDelay(error, failures);
          if (delay === null) {
            if (!keepsPartial(error)) this.forget();
            throw error;
          }
          if (failures > MAX_RETRIES) throw this.givingUp(error as Error);
          const reason = error instanceof TusOffsetConflict ? error.message : `${(error as Error).message}`;
          this.say(`upload interrupted at ${percent(Math.max(tap?.bytes ?? 0, this.offset), this.length)} (${reason}); ${delay > 0 ? `retrying in ${Math.round(delay / 1000)} s` : 'asking the server where it stands'} (attempt ${failures + 1} of ${MAX_RETRIES + 1})`);
          if (delay > 0) await sleep(delay);
          ask = true;
        }
      }
    } finally {
      this.bar?.stop();
      this.bar = null;
    }
  }

  private givingUp(error: Error): CliError {
    const later = this.identity ? 'run the same command again to resume it' : 'input from stdin cannot be resumed by a later run';
    return new CliError(`upload of ${this.options.label} interrupted at ${percent(this.offset, this.length)}, gave up after ${MAX_RETRIES + 1} attempts (${error.message}); ${later}`);
  }

  /** The item the finished upload became, as the plain creation's 201 would have described it. */
  private async finish(completion: TusCompletion): Promise<CreatedJson> {
    this.forget();
    this.bar?.stop();
    this.bar = null;
    const item = await this.client.json<ItemJson>('GET', `/${completion.id}`);
    const created: CreatedJson = { ...item };
    if (completion.deleteToken) created.delete_token = completion.deleteToken;
    if (this.options.kind === 'file' && completion.key) {
      created.key = completion.key;
      // The server's own base (SEALBIN_PUBLIC_URL and prefix included), as in its `url`.
      const base = item.url.endsWith(`/${item.id}`) ? item.url.slice(0, -item.id.length - 1) : this.client.base;
      created.download_url = completion.downloadUrl ?? `${base}/download/${encodeURIComponent(completion.key)}`;
    }
    return created;
  }
}

/** Whether this creation goes over tus: asked for, or large enough by default, and the body can be ranged. */
export function wantsResumable(body: PreparedBody, flag: boolean | undefined): boolean {
  if (flag === false || body.content.range === undefined) return false;
  return flag === true || body.content.length >= RESUMABLE_THRESHOLD;
}

/** Creates the item over tus; null when the server does not offer it. */
export function resumableCreate(ctx: Context, body: PreparedBody, options: ResumableOptions): Promise<CreatedJson | null> {
  return new ResumableUpload(ctx, body, options).run();
}
