// The domain of stored items (pastes and file shares): create, look up, claim for download, delete.
// It speaks in streams and records; HTTP and SQL stay outside.
import { randomBytesPooled } from '../crypto/random-pool.js';
import { finished, pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { EncryptStream, encryptAll } from '../crypto/at-rest-format.js';
import { wrapKey } from '../crypto/key-wrap.js';
import type { Keyring } from '../crypto/keyring.js';
import type { BlobStore, ContentUpdate, ItemKind, ItemQuery, ItemRecord, MetadataStore, MetadataUpdate, QuotaUsage, RemovedItem } from '../storage/ports.js';
import { lifetimeStart } from './clock.js';
import type { Clock } from './clock.js';
import { ContentInspector, inspectWhole } from './content-inspector.js';
import type { Inspection } from './content-inspector.js';
import { decideType } from './content-type.js';
import { deleteTokenMatches, hashDeleteToken, newDeleteToken } from './delete-token.js';
import { hashDicewareKey, isDicewareKey, newDicewareKey } from './diceware.js';
import { AppError } from './errors.js';
import type { Identity } from './identity.js';
import { resolveExpiry } from './expiry.js';
import { sanitizeFilename } from './filename.js';
import { newBlobId, newPasteId, isPasteId } from './ids.js';
import { QuotaOverrun, earlyOverrun, quotaClaim, quotaError, quotaKey, quotasEnabled } from './quota.js';
import type { QuotaLimits } from './quota.js';
import { readSmallBody } from './read-small-body.js';
import { SpoolSink } from './spool-sink.js';
import { isDiskFull } from './storage-fault.js';
import type { DownloadTally } from './download-tally.js';

/** Encrypted content up to this size is stored inline with the metadata: one commit per create. */
export const INLINE_LIMIT = 64 * 1024;
/** Bodies up to this size (known in advance) are read whole and handled in memory; larger ones stream. */
export const SMALL_BODY = INLINE_LIMIT;

export interface ItemLimits extends QuotaLimits {
  maxSize: number;
  defaultExpiry: number;
  maxExpiry: number;
}

/** Who creates: the certificate owner, or for anonymous clients the address group (quotas count by either). */
export interface Creator {
  owner: string | null;
  /** The client's address group (IPv4 address or IPv6 /64: request.client.group). */
  clientGroup: string;
}

export interface CreateInput {
  body: Readable;
  /** The body's size when known before reading it (Content-Length); small ones are read whole. */
  bodySize?: number | null;
  claimedType: string | null;
  filename: string | null;
  /** The raw X-Expiry header, validated here. */
  expiry: string | undefined;
  burnAfterRead: boolean;
  /** X-Max-Downloads: complete reads before the item is removed; null/absent = unlimited. */
  maxDownloads?: number | null;
  kind: ItemKind;
  owner: string | null;
  /**
   * The client's address group (request.client.group): an anonymous creation counts against its
   * quota. Required so that no creation path (POST, /upload, tus) can forget it and escape quotas.
   */
  clientGroup: string;
  /** Checks run on the finished upload before it is committed; a throw refuses and discards it. */
  beforeCommit?: (facts: UploadFacts) => Promise<void>;
  /**
   * The item's id when the caller derives it (a tus upload's, so that completing one upload twice
   * collides on the id instead of making two items); otherwise a random one.
   */
  id?: string;
}

export interface UpdateInput {
  body?: Readable | undefined;
  /** As CreateInput.bodySize. */
  bodySize?: number | null | undefined;
  claimedType?: string | null;
  filename?: string | null | undefined;
  expiry?: string | undefined;
  burnAfterRead?: boolean | undefined;
  /** A new download limit: the item may be read this many more times. */
  maxDownloads?: number | undefined;
  beforeCommit?: CreateInput['beforeCommit'];
}

/** What is known about an upload once it has streamed through, before it is stored for good. */
export interface UploadFacts {
  size: number;
  sha256: string;
  mimeType: string;
  /** Bits per byte, or null when not measured. */
  entropy: number | null;
}

export interface CreatedItem {
  record: ItemRecord;
  /** Shown once to anonymous creators. */
  deleteToken: string | null;
  /** Diceware download key for file shares, shown once. */
  key: string | null;
}

export interface ItemServiceDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  keyring: Keyring;
  clock: Clock;
  limits: ItemLimits;
  detectMagic: (head: Buffer) => Promise<string | null>;
  /** Whether uploads need an entropy measurement (SEALBIN_MIN_ENTROPY > 0). */
  measureEntropy?: boolean;
  /** Where download counts accumulate; without one they are written at once. */
  tally?: DownloadTally;
  /** Told when an item is removed (e.g. to drop its cached key). */
  onRemoved?: (id: string) => void;
  /** Space held back for removals on a full disk (storage/fs/space-reserve.ts); released when one needs it. */
  reserve?: { release(cause: unknown): Promise<boolean> };
}

export class ItemService {
  constructor(private readonly deps: ItemServiceDeps) {}

  /**
   * Streams content through inspection and encryption into storage under `id`, runs the pre-commit
   * checks, and makes it durable. Nothing of a refused or failed upload remains.
   */
  private async ingest(id: string, body: Readable, bodySize: number | null | undefined, claimedType: string | null, beforeCommit: CreateInput['beforeCommit']): Promise<ContentUpdate> {
    const { blobs, keyring } = this.deps;
    const dataKey = randomBytesPooled(32);
    const sink = new SpoolSink(blobs, newBlobId(), INLINE_LIMIT);
    try {
      const inspection = await this.inspectAndSeal(id, body, bodySize, dataKey, sink);
      if (inspection.size === 0) throw new AppError('EMPTY');
      const mimeType = decideType({ magic: await this.deps.detectMagic(inspection.head), utf8: inspection.utf8, head: inspection.head, claimed: claimedType });
      await beforeCommit?.({ size: inspection.size, sha256: inspection.sha256, mimeType, entropy: inspection.histogram?.entropy() ?? null });
      const stored = await sink.commit();
      return { size: inspection.size, mimeType, sha256: inspection.sha256, wrappedKey: wrapKey(keyring.wrapKey, dataKey, id), blobId: stored.blobId, inline: stored.inline };
    } catch (error) {
      await sink.abort();
      throw error;
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Inspects and encrypts the body into `sink`. A body whose size is known to be small (the raw
   * body's Content-Length, a JSON body's content) is read whole and handled in memory: the same
   * checks and the same stored bytes as the streamed path, without its stream machinery, which costs
   * more than the crypto for a paste of a few KiB (issue 16: durable creates). Anything else streams.
   */
  private async inspectAndSeal(id: string, body: Readable, bodySize: number | null | undefined, dataKey: Buffer, sink: SpoolSink): Promise<Inspection> {
    const { limits } = this.deps;
    const measureEntropy = this.deps.measureEntropy ?? false;
    if (bodySize !== null && bodySize !== undefined && bodySize <= SMALL_BODY) {
      const plain = await readSmallBody(body, bodySize, limits.maxSize);
      const inspection = inspectWhole(plain, limits.maxSize, measureEntropy);
      sink.end(encryptAll(dataKey, id, plain));
      await finished(sink);
      return inspection;
    }
    const inspector = new ContentInspector(limits.maxSize, measureEntropy);
    await pipeline(body, inspector, new EncryptStream(dataKey, id), sink);
    return inspector;
  }

  /** Streams the body through inspection and encryption into storage; resolves once durable. */
  async create(input: CreateInput): Promise<CreatedItem> {
    const { metadata, blobs, keyring, clock, limits } = this.deps;
    const createdAt = clock.now();
    let expiresAt: number | null;
    try {
      expiresAt = resolveExpiry(input.expiry, limits, lifetimeStart(clock));
    } catch (error) {
      // Refused before reading: let go of the body instead of leaving it half-consumed.
      input.body.destroy();
      throw error;
    }
    const filename = sanitizeFilename(input.filename);
    if (input.id !== undefined && !isPasteId(input.id)) throw new Error('an item id must be 32 lowercase hex digits');
    const id = input.id ?? newPasteId();
    const content = await this.ingest(id, input.body, input.bodySize, input.claimedType, input.beforeCommit);
    const deleteToken = input.owner === null ? newDeleteToken() : null;
    const key = input.kind === 'file' ? newDicewareKey() : null;
    const record: ItemRecord = {
      id,
      kind: input.kind,
      keyHash: key === null ? null : hashDicewareKey(keyring.dicewareKey, key),
      owner: input.owner,
      deleteTokenHash: deleteToken === null ? null : hashDeleteToken(deleteToken),
      ...content,
      filename,
      createdAt,
      expiresAt,
      burnAfterRead: input.burnAfterRead,
      burnedAt: null,
      downloads: 0,
      // Burn after read is a download limit of one: the same atomic claim serves both.
      downloadsRemaining: input.burnAfterRead ? 1 : (input.maxDownloads ?? null),
    };
    try {
      // The exact quota check: in the transaction that inserts the row (see MetadataStore.insertItem).
      await metadata.insertItem(record, quotaClaim(this.quotaKeyOf(input), limits, clock.now()));
    } catch (error) {
      // A row that committed although the insert failed (its durability could not be confirmed, nor
      // could it be taken back) keeps its blob: an item whose content is gone would fail every read.
      const rowMayExist = !(error instanceof QuotaOverrun);
      if (content.blobId && !(rowMayExist && (await metadata.hasBlob(content.blobId).catch(() => true)))) await blobs.remove(content.blobId).catch(() => undefined);
      if (error instanceof QuotaOverrun) throw quotaError(error);
      throw error;
    }
    return { record, deleteToken, key };
  }

  private quotaKeyOf(creator: Creator): string {
    return quotaKey(creator.owner, creator.clientGroup, this.deps.keyring.quotaKey);
  }

  /** What `creator` holds in live items now (counted whatever the limits). */
  async quotaUsage(creator: Creator): Promise<QuotaUsage> {
    return this.deps.metadata.quotaUsage(this.quotaKeyOf(creator), this.deps.clock.now());
  }

  /**
   * The early refusal: throws QUOTA_EXCEEDED when one more item of at least `minSize` bytes surely
   * does not fit `creator`'s quota, so a body that cannot be stored is not read at all. Without
   * quotas it costs nothing; when it passes, the commit still checks exactly.
   * @example await items.checkQuota({ owner: null, clientGroup: '203.0.113.7' }, declaredLength)
   */
  async checkQuota(creator: Creator, minSize: number): Promise<void> {
    const { limits } = this.deps;
    if (!quotasEnabled(limits)) return;
    const overrun = earlyOverrun(await this.quotaUsage(creator), limits, minSize);
    if (overrun) throw quotaError(overrun);
  }

  /**
   * Replaces content and/or metadata of an item the caller may change (checked by the caller).
   * New content gets a new data key; the old blob is shredded once the row points at the new one.
   */
  async update(item: ItemRecord, input: UpdateInput): Promise<ItemRecord> {
    const { metadata, blobs, clock, limits } = this.deps;
    const now = clock.now();
    const change: MetadataUpdate = {};
    try {
      if (input.expiry !== undefined) change.expiresAt = resolveExpiry(input.expiry, limits, lifetimeStart(clock));
      const remaining = ItemService.remainingAfterUpdate(item, input);
      if (remaining !== undefined) change.downloadsRemaining = remaining;
    } catch (error) {
      input.body?.destroy();
      throw error;
    }
    if (input.burnAfterRead !== undefined) change.burnAfterRead = input.burnAfterRead;
    if (input.filename !== undefined) change.filename = sanitizeFilename(input.filename);
    if (input.body) {
      const content = await this.ingest(item.id, input.body, input.bodySize, input.claimedType ?? null, input.beforeCommit);
      let replaced;
      try {
        // The new size minus the old counts against the byte quota of whom the item counts against.
        replaced = await metadata.replaceContent(item.id, content, now, limits.quotaBytes ?? 0);
      } catch (error) {
        // A row that could not be updated (a full disk, a quota) must not leave the new blob behind
        // until the next sweep. But an update that committed although the call failed (PostgreSQL
        // lost after COMMIT was sent) points the row at the new blob: shredding it would lose the
        // item's content, so it stays unless the store says no row refers to it (as create does).
        const rowMayPointAtIt = !(error instanceof QuotaOverrun);
        if (content.blobId && !(rowMayPointAtIt && (await metadata.hasBlob(content.blobId).catch(() => true)))) await blobs.remove(content.blobId).catch(() => undefined);
        if (error instanceof QuotaOverrun) throw quotaError(error);
        throw error;
      }
      if (!replaced) {
        if (content.blobId) await blobs.remove(content.blobId);
        throw new AppError('NOT_FOUND');
      }
      if (replaced.oldBlobId) await blobs.remove(replaced.oldBlobId);
    }
    if (!(await metadata.updateMetadata(item.id, change, now))) throw new AppError('NOT_FOUND');
    return this.get(item.id);
  }

  /**
   * The reads left after a PUT (undefined: unchanged). A new X-Max-Downloads starts a fresh count;
   * turning burn after read on leaves one read, turning it off lifts the limit it was.
   */
  private static remainingAfterUpdate(item: ItemRecord, input: UpdateInput): number | null | undefined {
    const burns = input.burnAfterRead ?? item.burnAfterRead;
    if (input.maxDownloads !== undefined) {
      if (burns) throw new AppError('INVALID_REQUEST', 'This item burns after reading (one read); send X-Burn-After-Read: 0 with X-Max-Downloads to give it a download limit instead.');
      return input.maxDownloads;
    }
    if (input.burnAfterRead === undefined || input.burnAfterRead === item.burnAfterRead) return undefined;
    return input.burnAfterRead ? 1 : null;
  }

  /** Items of `owner` (or everyone's, for null), newest first, one page at a time. */
  async list(query: Omit<ItemQuery, 'now'>): Promise<ItemRecord[]> {
    return this.deps.metadata.listItems({ ...query, now: this.deps.clock.now() });
  }

  /** A live item by hex id; malformed or unknown ids are the same NOT_FOUND. */
  async get(id: string): Promise<ItemRecord> {
    if (!isPasteId(id)) throw new AppError('NOT_FOUND');
    const item = await this.deps.metadata.getLive(id, this.deps.clock.now());
    if (!item) throw new AppError('NOT_FOUND');
    return this.withUnflushed(item);
  }

  private withUnflushed(item: ItemRecord): ItemRecord {
    const pending = this.deps.tally?.unflushed(item.id) ?? 0;
    return pending === 0 ? item : { ...item, downloads: item.downloads + pending };
  }

  /** A live item by diceware key (only its keyed hash is looked up). */
  async getByKey(key: string): Promise<ItemRecord> {
    if (!isDicewareKey(key)) throw new AppError('NOT_FOUND');
    const item = await this.deps.metadata.getLiveByKeyHash(hashDicewareKey(this.deps.keyring.dicewareKey, key), this.deps.clock.now());
    if (!item) throw new AppError('NOT_FOUND');
    return this.withUnflushed(item);
  }

  /**
   * Claims an item for one complete download. A limited item (a download limit, or burn after read:
   * a limit of one) takes one of its remaining reads atomically: a request that finds none left gets
   * NOT_FOUND, exactly as if the item were gone; the caller then owes `endRead` when its response is over.
   */
  async claimDownload(item: ItemRecord): Promise<ItemRecord> {
    if (item.downloadsRemaining === null) {
      if (this.deps.tally) this.deps.tally.count(item.id);
      else await this.deps.metadata.addDownloads(new Map([[item.id, 1]]));
      return item;
    }
    const claimed = await this.deps.metadata.claimRead(item.id, this.deps.clock.now());
    if (!claimed) throw new AppError('NOT_FOUND');
    return claimed;
  }

  /**
   * Ends a read of a limited item however its response ended; the end of the last open read of an
   * item with no reads left removes and shreds it (so a slow reader is never cut short by a fast one).
   */
  async endRead(claimed: ItemRecord): Promise<void> {
    let last: boolean;
    try {
      last = await this.deps.metadata.endRead(claimed.id);
    } catch (error) {
      // A full disk refuses even the decrement: the reader of the final read then removes the spent
      // item at once (remove() makes room), rather than leaving its content until the grace sweep.
      if (!isDiskFull(error) || claimed.burnedAt === null) throw error;
      last = true;
    }
    if (last) await this.remove(claimed.id, claimed.blobId);
  }

  /**
   * Deletes for its owner, an admin, or the holder of the delete token. Without any of these:
   * 401 when the caller is anonymous and sent no token, else 403; nothing changes either way.
   */
  async delete(id: string, caller: Identity | null, token: string | undefined): Promise<void> {
    const item = await this.get(id);
    const ownerOrAdmin = caller !== null && (caller.admin || (item.owner !== null && item.owner === caller.owner));
    if (!ownerOrAdmin) {
      if (token === undefined || token === '') throw new AppError(caller === null ? 'AUTH_REQUIRED' : 'FORBIDDEN');
      if (item.deleteTokenHash === null || !deleteTokenMatches(token, item.deleteTokenHash)) throw new AppError('FORBIDDEN');
    }
    await this.remove(id, item.blobId);
  }

  /** Whether `caller` may change `item` (owner or admin). */
  static mayModify(item: ItemRecord, caller: Identity): boolean {
    return caller.admin || (item.owner !== null && item.owner === caller.owner);
  }

  /**
   * Removes an item and shreds its content. Idempotent. `blobId` (the item's blob, when the caller
   * has the record) lets a removal on a full disk free the blob's space first.
   */
  async remove(id: string, blobId: string | null = null): Promise<void> {
    this.deps.onRemoved?.(id);
    const removed = await this.deleteRow(id, blobId);
    if (removed) await this.shred(removed);
  }

  /**
   * Deletes the row. On a full disk SQLite cannot even append the delete to its journal, so room is
   * made and the delete retried: first the space reserve, then the item's own blob (shredded before
   * its row goes; a retry that still fails leaves a row without content, which the client's next
   * DELETE removes). Other errors, and a disk that stays full, are thrown as they are.
   */
  private async deleteRow(id: string, blobId: string | null): Promise<RemovedItem | null> {
    const { metadata, blobs, reserve } = this.deps;
    try {
      return await metadata.deleteItem(id);
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      if (reserve && (await reserve.release(error))) {
        try {
          return await metadata.deleteItem(id);
        } catch (again) {
          if (!isDiskFull(again)) throw again;
        }
      }
      if (!blobId) throw error;
      await blobs.remove(blobId);
      return metadata.deleteItem(id);
    }
  }

  async shred(removed: RemovedItem): Promise<void> {
    if (removed.blobId) await this.deps.blobs.remove(removed.blobId);
  }
}
