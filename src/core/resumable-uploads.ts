// Partial uploads of the tus protocol (http/routes/tus.ts): created with their options, appended to
// in sealed segments, each PATCH made durable before it is acknowledged, and handed on complete to
// the normal creation pipeline as a decrypted stream. HTTP stays outside; storage is a PartialStore.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { openSecretAny, sealSecret, unwrapKeyAny, wrapKey } from '../crypto/key-wrap.js';
import type { Keyring } from '../crypto/keyring.js';
import { readKeys } from '../crypto/keyring.js';
import { declaredLength, openSegment, SEGMENT_HEAD, SEGMENT_MAX, sealSegment, segmentSize } from '../crypto/upload-segment.js';
import type { PartialLog, PartialStore, UploadLocker } from '../storage/ports.js';
import type { Clock } from './clock.js';
import { lifetimeStart } from './clock.js';
import { DISK_RETRY_AFTER } from './disk-guard.js';
import { AppError } from './errors.js';
import { isDiskFull } from './storage-fault.js';
import { UploadLocks } from './upload-lock.js';

/** A durable flush at least this often inside one long PATCH, so a cut loses little. */
const SYNC_EVERY = 8 * 1024 * 1024;

/** What the creator asked for; sealed at rest with the upload's key (a file name can be a secret). */
export interface UploadOptions {
  filename: string | null;
  filetype: string | null;
  expiry: string | undefined;
  burnAfterRead: boolean;
  maxDownloads: number | null;
}

/** The stored state of one upload (JSON in the PartialStore). */
interface StoredState {
  v: 1;
  /** Keyed hash of who created it (owner or client address group), never the address itself. */
  binding: string;
  length: number | null;
  createdAt: number;
  expiresAt: number;
  owner: string | null;
  wrappedKey: string;
  options: string;
  /** Set when a completion reached the commit of its item (see CompletionAttempt). */
  committing?: boolean;
}

/** What a completion learns of earlier attempts on the same upload, and how it records its own. */
export interface CompletionAttempt {
  /**
   * An earlier completion reached the commit of its item: that item may have been made (and be gone
   * since: burned, deleted) although the partial is still here.
   */
  readonly committing: boolean;
  /** Records, durably, that this completion is about to commit its item; call it right before. */
  markCommitting(): Promise<void>;
  /** Lifts this completion's mark: it failed, and there is certainly no item (an empty PATCH may run it again). */
  unmarkCommitting(): Promise<void>;
}

export interface Upload {
  id: string;
  length: number | null;
  offset: number;
  expiresAt: number;
  owner: string | null;
  options: UploadOptions;
}

export interface ResumableUploadsDeps {
  store: PartialStore;
  /** One request per upload; default: in this process (right only for a store nobody else uses). */
  locks?: UploadLocker;
  keyring: Keyring;
  clock: Clock;
  maxSize: number;
  /** Seconds a partial upload lives (SEALBIN_TUS_EXPIRY). */
  expirySeconds: number;
}

/** What a PATCH sends. */
export interface AppendInput {
  offset: number;
  body: Readable;
  /** Upload-Length sent with this PATCH (deferred length), if any. */
  length: number | null;
  /** The body's declared Content-Length, if any. */
  contentLength: number | null;
}

/** Bytes one open upload knows about itself while this process runs. */
interface LogPosition {
  fileSize: number;
  offset: number;
}

function keyLabel(id: string): string {
  return `tus:${id}`;
}

export class ResumableUploads {
  private readonly locks: UploadLocker;
  /**
   * Verified log positions: a log is scanned once per process, then tracked as it is written. Only
   * for a store nobody else writes: on a shared one another instance may have appended since.
   */
  private readonly positions = new Map<string, LogPosition>();

  constructor(private readonly deps: ResumableUploadsDeps) {
    this.locks = deps.locks ?? new UploadLocks();
  }

  private remember(id: string, position: LogPosition): void {
    if (!this.deps.store.shared) this.positions.set(id, position);
  }

  /** The keyed hash that binds an upload to its creator (`who`: the rate-limit key, owner or address group). */
  bindingOf(who: string): string {
    return createHmac('sha256', this.deps.keyring.digestKey).update(`tus-binding:${who}`).digest('hex');
  }

  /**
   * The id of the item upload `id` becomes: keyed, so as unguessable as a random one, and fixed, so
   * that a completion run again (its partial outlived the item it made: removing it failed, or the
   * server died in between) collides with the item instead of making a second one.
   */
  itemIdOf(id: string): string {
    return createHmac('sha256', this.deps.keyring.digestKey).update(`tus-item:${id}`).digest('hex').slice(0, 32);
  }

  /** Starts an upload; `length` null defers it. Returns the new upload (offset 0). */
  async create(who: string, owner: string | null, length: number | null, options: UploadOptions): Promise<Upload> {
    if (length !== null && length > this.deps.maxSize) throw new AppError('TOO_LARGE', `The upload is larger than ${this.deps.maxSize} bytes.`);
    // Guessing: 128 random bits, and the id is bound to its creator anyway.
    const id = randomBytes(16).toString('hex');
    const key = randomBytes(32);
    const createdAt = this.deps.clock.now();
    const state: StoredState = {
      v: 1,
      binding: this.bindingOf(who),
      length,
      createdAt,
      // Counted from the second rounded up, as items' expiry is: floored, a partial made late in a
      // second would live almost a second less than SEALBIN_TUS_EXPIRY.
      expiresAt: lifetimeStart(this.deps.clock) + this.deps.expirySeconds,
      owner,
      wrappedKey: wrapKey(this.deps.keyring.wrapKey, key, keyLabel(id)).toString('base64'),
      options: sealSecret(key, Buffer.from(JSON.stringify(options), 'utf8'), `tus-options:${id}`).toString('base64'),
    };
    key.fill(0);
    // Held while the files appear: the sweep must not take a log whose state is a moment away.
    await this.locks.run(id, () => undefined, () => this.deps.store.create(id, JSON.stringify(state)));
    this.remember(id, { fileSize: 0, offset: 0 });
    return { id, length, offset: 0, expiresAt: state.expiresAt, owner, options };
  }

  /** HEAD: the upload as its creator sees it; unknown, expired and foreign uploads are the same NOT_FOUND. */
  async status(id: string, who: string): Promise<Upload> {
    await this.refuseStranger(id, who);
    return this.locks.run(id, () => undefined, async () => {
      const { state, key } = await this.load(id, who);
      try {
        return await this.describe(id, state, key);
      } finally {
        key.fill(0);
      }
    });
  }

  /** DELETE (termination): shreds the upload. */
  async terminate(id: string, who: string): Promise<void> {
    await this.refuseStranger(id, who);
    await this.locks.run(id, () => undefined, async () => {
      const { key } = await this.load(id, who);
      key.fill(0);
      await this.discard(id);
    });
  }

  /**
   * PATCH: appends the body at `offset` and makes it durable; when the upload is then complete,
   * `complete` receives the decrypted content (still under the upload's lock) and the partial is
   * shredded once it succeeded. A refusal by `complete` (a 4xx, a policy) removes the partial too;
   * another failure keeps it, so an empty PATCH at the final offset retries the completion.
   */
  async append<T>(id: string, who: string, input: AppendInput, complete: (upload: Upload, content: Readable, attempt: CompletionAttempt) => Promise<T>): Promise<{ upload: Upload; completed: T | null }> {
    const cancel = () => input.body.destroy(new AppError('INVALID_REQUEST', 'A newer request for this upload took over.'));
    await this.refuseStranger(id, who);
    return this.locks.run(id, cancel, async () => {
      const { state, key } = await this.load(id, who);
      try {
        const log = await this.deps.store.openLog(id);
        let position: LogPosition;
        try {
          position = await this.position(id, log, key);
          if (input.length !== null) await this.fixLength(id, state, input.length, position.offset);
          if (input.offset !== position.offset) throw new AppError('OFFSET_MISMATCH', `Upload-Offset must be ${position.offset}, the bytes stored so far.`, { offset: position.offset });
          const limit = state.length ?? this.deps.maxSize;
          if (input.contentLength !== null && position.offset + input.contentLength > limit) await this.refuseOverLength(id, state);
          await this.write(id, log, key, position, input.body, state);
        } finally {
          await log.close();
        }
        const upload = await this.describe(id, state, key, position.offset);
        if (state.length === null || position.offset < state.length) return { upload, completed: null };
        const completed = await this.finish(id, state, key, upload, complete);
        return { upload, completed };
      } finally {
        key.fill(0);
      }
    });
  }

  /** Removes expired partial uploads (shredded) that no request works on; returns how many. */
  async sweepExpired(): Promise<number> {
    const now = this.deps.clock.now();
    let removed = 0;
    for await (const id of this.deps.store.list()) {
      // Read again under the lock: another instance's sweep may have taken it, a request renewed nothing.
      const taken = await this.locks.tryRun(id, async () => {
        const raw = await this.deps.store.readState(id);
        // Gone already: a shared store keeps no log without its state, so another instance took it.
        if (raw === null && this.deps.store.shared) return false;
        const state = raw === null ? null : (JSON.parse(raw) as StoredState);
        // A log without a state is a creation cut by a crash: nothing can ever resume it.
        if (state !== null && state.expiresAt > now) return false;
        await this.discard(id);
        return true;
      });
      if (taken === true) removed++;
    }
    return removed;
  }

  private async discard(id: string): Promise<void> {
    this.positions.delete(id);
    await this.deps.store.remove(id);
  }

  /** Whether `state` belongs to `who` (compared in constant time). */
  private boundTo(state: StoredState, who: string): boolean {
    const mine = Buffer.from(this.bindingOf(who), 'hex');
    const stored = Buffer.from(state.binding, 'hex');
    return stored.length === mine.length && timingSafeEqual(stored, mine);
  }

  /**
   * Disruption: taking an upload's lock asks its holder to stop, so a stranger's request (someone who
   * learnt the upload URL) is refused before it asks, or it could cut the creator's PATCH over and
   * over. The binding never changes, so checking it outside the lock is as good as inside; `load`
   * checks again under the lock.
   */
  private async refuseStranger(id: string, who: string): Promise<void> {
    const raw = await this.deps.store.readState(id);
    if (raw === null || !this.boundTo(JSON.parse(raw) as StoredState, who)) throw new AppError('NOT_FOUND');
  }

  /** The state and key of a live upload of `who`; NOT_FOUND otherwise (an expired one is removed). */
  private async load(id: string, who: string): Promise<{ state: StoredState; key: Buffer }> {
    const raw = await this.deps.store.readState(id);
    if (raw === null) throw new AppError('NOT_FOUND');
    const state = JSON.parse(raw) as StoredState;
    // Hijacking: only the creator (same owner, or same address group) may resume, inspect or end an
    // upload; anyone else learns nothing, not even that it exists.
    if (!this.boundTo(state, who)) throw new AppError('NOT_FOUND');
    if (state.expiresAt <= this.deps.clock.now()) {
      await this.discard(id);
      throw new AppError('NOT_FOUND');
    }
    return { state, key: unwrapKeyAny(readKeys(this.deps.keyring), Buffer.from(state.wrappedKey, 'base64'), keyLabel(id)) };
  }

  private async describe(id: string, state: StoredState, key: Buffer, offset?: number): Promise<Upload> {
    let current = offset;
    if (current === undefined) {
      const log = await this.deps.store.openLog(id);
      try {
        current = (await this.position(id, log, key)).offset;
      } finally {
        await log.close();
      }
    }
    const options = JSON.parse(openSecretAny([key], Buffer.from(state.options, 'base64'), `tus-options:${id}`).toString('utf8')) as UploadOptions;
    return { id, length: state.length, offset: current, expiresAt: state.expiresAt, owner: state.owner, options };
  }

  /**
   * Where the log ends: known while this process runs, else found by walking the segment heads and
   * cutting a torn tail (a crash mid-append) back to the last segment that authenticates.
   */
  private async position(id: string, log: PartialLog, key: Buffer): Promise<LogPosition> {
    const known = this.positions.get(id);
    if (known) return known;
    const size = await log.size();
    const starts: { at: number; offset: number; length: number }[] = [];
    let at = 0;
    let offset = 0;
    while (at + SEGMENT_HEAD <= size) {
      const length = declaredLength(await log.read(at, 4));
      if (length === null || at + segmentSize(length) > size) break;
      starts.push({ at, offset, length });
      at += segmentSize(length);
      offset += length;
    }
    // The last whole segments may hold garbage after a power cut (zeros, stale blocks): check from the end.
    while (starts.length > 0) {
      const last = starts[starts.length - 1] as { at: number; offset: number; length: number };
      if (openSegment(key, id, last.offset, await log.read(last.at, segmentSize(last.length))) !== null) break;
      starts.pop();
      at = last.at;
      offset = last.offset;
    }
    if (at < size) {
      await log.truncate(at);
      await log.sync();
    }
    const found = { fileSize: at, offset };
    this.remember(id, found);
    return found;
  }

  /** Sets a deferred length once (Upload-Length on a PATCH); a different one later is refused. */
  private async fixLength(id: string, state: StoredState, length: number, offset: number): Promise<void> {
    if (state.length !== null) {
      if (state.length !== length) throw new AppError('INVALID_REQUEST', 'Upload-Length cannot change once it is set.');
      return;
    }
    if (length > this.deps.maxSize) {
      await this.discard(id);
      throw new AppError('TOO_LARGE', `The upload is larger than ${this.deps.maxSize} bytes; it was removed.`);
    }
    if (length < offset) throw new AppError('INVALID_REQUEST', 'Upload-Length is smaller than the bytes already stored.');
    state.length = length;
    await this.deps.store.writeState(id, JSON.stringify(state));
  }

  /** More bytes than the upload may hold: over the declared length (400) or, deferred, over the size limit (413, removed). */
  private async refuseOverLength(id: string, state: StoredState): Promise<never> {
    if (state.length !== null) throw new AppError('INVALID_REQUEST', `The body goes past Upload-Length (${state.length}).`);
    // Disk exhaustion: a deferred upload that grows past the limit is refused and its bytes shredded.
    await this.discard(id);
    throw new AppError('TOO_LARGE', `The upload is larger than ${this.deps.maxSize} bytes; it was removed.`);
  }

  /**
   * Streams the body into sealed segments at the end of the log. What arrived before the body ended
   * (or the client went away) is made durable; a full disk cuts this PATCH's bytes away again.
   */
  private async write(id: string, log: PartialLog, key: Buffer, position: LogPosition, body: Readable, state: StoredState): Promise<void> {
    const start = { ...position };
    const limit = state.length ?? this.deps.maxSize;
    let pending: Buffer[] = [];
    let pendingLength = 0;
    let unsynced = 0;
    const seal = async (): Promise<void> => {
      if (pendingLength === 0) return;
      const segment = sealSegment(key, id, position.offset, Buffer.concat(pending, pendingLength));
      await log.write(segment, position.fileSize);
      position.fileSize += segment.length;
      position.offset += pendingLength;
      unsynced += pendingLength;
      pending = [];
      pendingLength = 0;
    };
    const sync = async (): Promise<void> => {
      await log.sync();
      unsynced = 0;
    };
    let failure: unknown = null;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const room = limit - position.offset - pendingLength;
        // Past the limit: what fits is kept (and made durable), the rest refused.
        const over = chunk.length > room;
        let data = over ? chunk.subarray(0, Math.max(0, room)) : chunk;
        while (data.length > 0) {
          const take = Math.min(SEGMENT_MAX - pendingLength, data.length);
          pending.push(data.subarray(0, take));
          pendingLength += take;
          data = data.subarray(take);
          if (pendingLength === SEGMENT_MAX) await seal();
        }
        if (over) {
          await seal();
          await sync();
          await this.refuseOverLength(id, state);
        }
        if (unsynced >= SYNC_EVERY) await sync();
      }
    } catch (error) {
      failure = error;
    }
    try {
      if (failure === null || !isDiskFull(failure)) {
        await seal();
        await sync();
      }
    } catch (error) {
      failure = error;
    }
    if (failure === null) return;
    if (isDiskFull(failure)) {
      // A full disk: this PATCH stored nothing (its torn segment and the rest cut away), offset unchanged.
      await log.truncate(start.fileSize).catch(() => undefined);
      await log.sync().catch(() => undefined);
      position.fileSize = start.fileSize;
      position.offset = start.offset;
      // The cause stays attached: the log names ENOSPC and /health records the disk fault.
      throw Object.assign(new AppError('INSUFFICIENT_STORAGE', 'The disk filled during this PATCH; nothing of it was kept. Retry later from the same offset.', { retry_after: DISK_RETRY_AFTER }), { cause: failure });
    }
    if (failure instanceof AppError && failure.code === 'TOO_LARGE') this.positions.delete(id);
    throw failure;
  }

  /** Runs the completion on the decrypted content; shreds the partial once it succeeded or was refused. */
  private async finish<T>(id: string, state: StoredState, key: Buffer, upload: Upload, complete: (upload: Upload, content: Readable, attempt: CompletionAttempt) => Promise<T>): Promise<T> {
    const ownKey = Buffer.from(key);
    const content = Readable.from(this.decrypted(id, ownKey, state.length ?? 0));
    // The state in memory changes only once its write succeeded.
    const mark = async (committing: boolean): Promise<void> => {
      const { committing: _previous, ...rest } = state;
      const next: StoredState = committing ? { ...rest, committing } : rest;
      await this.deps.store.writeState(id, JSON.stringify(next));
      state.committing = committing;
    };
    const attempt: CompletionAttempt = {
      committing: state.committing === true,
      markCommitting: () => mark(true),
      unmarkCommitting: async () => {
        if (state.committing === true) await mark(false);
      },
    };
    try {
      const result = await complete(upload, content, attempt);
      await this.discard(id);
      return result;
    } catch (error) {
      if (error instanceof AppError && error.status < 500) await this.discard(id);
      throw error;
    } finally {
      content.destroy();
      ownKey.fill(0);
    }
  }

  /** The plaintext of a complete log, one segment in memory at a time. */
  private async *decrypted(id: string, key: Buffer, length: number): AsyncGenerator<Buffer> {
    const log = await this.deps.store.openLog(id);
    try {
      let at = 0;
      let offset = 0;
      while (offset < length) {
        const head = await log.read(at, SEGMENT_HEAD);
        const size = head.length === SEGMENT_HEAD ? declaredLength(head) : null;
        if (size === null) throw new Error(`partial upload ${id} is damaged at byte ${at}`);
        const plain = openSegment(key, id, offset, await log.read(at, segmentSize(size)));
        if (plain === null) throw new Error(`partial upload ${id} failed authentication at byte ${at}`);
        yield plain;
        at += segmentSize(size);
        offset += size;
      }
    } finally {
      await log.close();
    }
  }
}
