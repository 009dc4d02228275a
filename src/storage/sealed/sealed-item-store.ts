// A MetadataStore that seals file names before they reach the adapter and opens them on the way back:
// a dump of the database shows no file name, and core/ keeps seeing plain records.
import { BoundedMemo } from '../../crypto/bounded-memo.js';
import { fieldLabel, openField, sealField } from '../../crypto/field-seal.js';
import type { ContentUpdate, ItemQuery, ItemRecord, MetadataStore, MetadataUpdate, QuotaClaim, QuotaUsage, RemovedItem } from '../ports.js';

/** Opened file names remembered: a read of a recently read item sets up no AES-GCM for its name. */
const OPENED_NAMES = 4096;

export class SealedItemStore implements MetadataStore {
  // Keyed by row id and the sealed value as stored, so an altered or swapped value is a new key and is
  // opened (and refused) afresh; only names that opened are remembered, since openField throws.
  private readonly opened = new BoundedMemo(OPENED_NAMES);

  constructor(
    private readonly inner: MetadataStore,
    private readonly key: Buffer,
  ) {}

  private seal(id: string, filename: string | null): string | null {
    return filename === null ? null : sealField(this.key, filename, fieldLabel('items.filename', id));
  }

  private open(record: ItemRecord | null): ItemRecord | null {
    if (record === null || record.filename === null) return record;
    // Bound to the row id: a sealed name swapped onto another row fails here instead of being shown.
    const sealed = record.filename;
    return { ...record, filename: this.opened.get(`${record.id}:${sealed}`, () => openField(this.key, sealed, fieldLabel('items.filename', record.id))) };
  }

  insertItem(item: ItemRecord, quota?: QuotaClaim): Promise<void> {
    return this.inner.insertItem({ ...item, filename: this.seal(item.id, item.filename) }, quota);
  }

  quotaUsage(key: string, now: number): Promise<QuotaUsage> {
    return this.inner.quotaUsage(key, now);
  }

  async getLive(id: string, now: number): Promise<ItemRecord | null> {
    return this.open(await this.inner.getLive(id, now));
  }

  async getLiveByKeyHash(keyHash: string, now: number): Promise<ItemRecord | null> {
    return this.open(await this.inner.getLiveByKeyHash(keyHash, now));
  }

  async claimRead(id: string, now: number): Promise<ItemRecord | null> {
    return this.open(await this.inner.claimRead(id, now));
  }

  endRead(id: string): Promise<boolean> {
    return this.inner.endRead(id);
  }

  async listItems(query: ItemQuery): Promise<ItemRecord[]> {
    return (await this.inner.listItems(query)).map((record) => this.open(record) as ItemRecord);
  }

  updateMetadata(id: string, update: MetadataUpdate, now: number): Promise<boolean> {
    if (update.filename === undefined) return this.inner.updateMetadata(id, update, now);
    return this.inner.updateMetadata(id, { ...update, filename: this.seal(id, update.filename) }, now);
  }

  addDownloads(counts: ReadonlyMap<string, number>): Promise<void> {
    return this.inner.addDownloads(counts);
  }

  deleteItem(id: string): Promise<RemovedItem | null> {
    return this.inner.deleteItem(id);
  }

  removeDue(now: number, burnedBefore: number, limit: number): Promise<RemovedItem[]> {
    return this.inner.removeDue(now, burnedBefore, limit);
  }

  hasBlob(blobId: string): Promise<boolean> {
    return this.inner.hasBlob(blobId);
  }

  replaceContent(id: string, content: ContentUpdate, now: number, maxBytes?: number): Promise<{ oldBlobId: string | null } | null> {
    return this.inner.replaceContent(id, content, now, maxBytes);
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
    return this.inner.close();
  }
}
