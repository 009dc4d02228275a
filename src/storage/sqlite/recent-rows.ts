// A small cache of recently read item rows, as stored (inline ciphertext, sealed digest and file
// name): a repeated read of a small item skips the SQLite lookup, which costs more than the rest of
// the read's storage work together. Never plaintext; the reader still decrypts and verifies every read.
import type { ContentUpdate, ItemQuery, ItemRecord, MetadataStore, MetadataUpdate, QuotaClaim, QuotaUsage, RemovedItem } from '../ports.js';

/**
 * A value that changes whenever the database may have changed: any write through this process's
 * connection, or a commit by any other connection (another process on the same file).
 */
export type ChangeStamp = () => string;

export interface RecentRowLimits {
  entries: number;
  /** Sum of the cached rows' inline ciphertext. */
  bytes: number;
}

const DEFAULT_LIMITS: RecentRowLimits = { entries: 1024, bytes: 4 * 1024 * 1024 };

/**
 * Only rows whose reads nothing counts down: a limited item (a download limit, burn after read) is
 * always looked up, and its read claimed, in the database. Blob items gain nothing (their content is
 * read from the blob store anyway).
 */
function cacheable(item: ItemRecord): boolean {
  return item.inline !== null && item.downloadsRemaining === null && !item.burnAfterRead && item.burnedAt === null;
}

/** What the SQL of getLive asks, asked again of a cached row at the time of this read. */
function liveAt(item: ItemRecord, now: number): boolean {
  return item.burnedAt === null && (item.expiresAt === null || item.expiresAt > now);
}

/**
 * The MetadataStore decorator. Each cached row carries the change stamp taken before it was read; a
 * row is served only while the stamp is unchanged, so a delete, burn, claim, update or download count
 * written anywhere (here or by another process) makes every cached row stale at once, and expiry is
 * checked against the time of each read. The cost of serving a hit is the stamp (one `PRAGMA
 * data_version`), a few µs.
 */
export class RecentRowCache implements MetadataStore {
  private readonly rows = new Map<string, { stamp: string; item: ItemRecord }>();
  private bytes = 0;

  constructor(
    private readonly inner: MetadataStore,
    private readonly stamp: ChangeStamp,
    private readonly limits: RecentRowLimits = DEFAULT_LIMITS,
  ) {}

  async getLive(id: string, now: number): Promise<ItemRecord | null> {
    // Taken before the lookup: a write that lands while it runs leaves this row stale, never served.
    const stamp = this.stamp();
    const cached = this.rows.get(id);
    if (cached !== undefined) {
      // Stale data (a deleted, burned or changed row) is never served: a changed stamp drops the row.
      if (cached.stamp === stamp) return liveAt(cached.item, now) ? { ...cached.item } : null;
      this.drop(id);
    }
    const item = await this.inner.getLive(id, now);
    if (item !== null && cacheable(item)) this.keep(stamp, item);
    return item;
  }

  private keep(stamp: string, item: ItemRecord): void {
    const size = item.inline?.length ?? 0;
    if (size > this.limits.bytes) return;
    this.drop(item.id);
    while (this.rows.size > 0 && (this.rows.size >= this.limits.entries || this.bytes + size > this.limits.bytes)) this.drop(this.rows.keys().next().value as string);
    this.rows.set(item.id, { stamp, item: { ...item } });
    this.bytes += size;
  }

  private drop(id: string): void {
    const cached = this.rows.get(id);
    if (cached === undefined) return;
    this.rows.delete(id);
    this.bytes -= cached.item.inline?.length ?? 0;
  }

  /** How many rows are held (tests). */
  get size(): number {
    return this.rows.size;
  }

  // Every other call passes through. Writes need no bookkeeping here: they change the stamp.
  insertItem(item: ItemRecord, quota?: QuotaClaim): Promise<void> {
    return this.inner.insertItem(item, quota);
  }
  quotaUsage(key: string, now: number): Promise<QuotaUsage> {
    return this.inner.quotaUsage(key, now);
  }
  getLiveByKeyHash(keyHash: string, now: number): Promise<ItemRecord | null> {
    return this.inner.getLiveByKeyHash(keyHash, now);
  }
  claimRead(id: string, now: number): Promise<ItemRecord | null> {
    return this.inner.claimRead(id, now);
  }
  endRead(id: string): Promise<boolean> {
    return this.inner.endRead(id);
  }
  addDownloads(counts: ReadonlyMap<string, number>): Promise<void> {
    return this.inner.addDownloads(counts);
  }
  deleteItem(id: string): Promise<RemovedItem | null> {
    this.drop(id);
    return this.inner.deleteItem(id);
  }
  removeDue(now: number, burnedBefore: number, limit: number): Promise<RemovedItem[]> {
    return this.inner.removeDue(now, burnedBefore, limit);
  }
  hasBlob(blobId: string): Promise<boolean> {
    return this.inner.hasBlob(blobId);
  }
  listItems(query: ItemQuery): Promise<ItemRecord[]> {
    return this.inner.listItems(query);
  }
  replaceContent(id: string, content: ContentUpdate, now: number, maxBytes?: number): Promise<{ oldBlobId: string | null } | null> {
    this.drop(id);
    return this.inner.replaceContent(id, content, now, maxBytes);
  }
  updateMetadata(id: string, update: MetadataUpdate, now: number): Promise<boolean> {
    this.drop(id);
    return this.inner.updateMetadata(id, update, now);
  }
  getSetting(name: string): Promise<string | null> {
    return this.inner.getSetting(name);
  }
  setSetting(name: string, value: string): Promise<void> {
    return this.inner.setSetting(name, value);
  }
  setSettingIfAbsent(name: string, value: string): Promise<string> {
    return this.inner.setSettingIfAbsent(name, value);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    this.rows.clear();
    this.bytes = 0;
    return this.inner.close();
  }
}
