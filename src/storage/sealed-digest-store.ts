// A MetadataStore that seals the plaintext digest on its way into the database and opens it on the
// way out: the rest of the server keeps working with the plain SHA-256 while a dump of the database
// (backups, a stolen disk) holds no bare hash to test guesses against.
import type { DigestSeal } from '../crypto/digest-seal.js';
import type { ContentUpdate, ItemQuery, ItemRecord, MetadataStore, MetadataUpdate, QuotaClaim, QuotaUsage, RemovedItem } from './ports.js';

export class SealedDigestStore implements MetadataStore {
  constructor(
    private readonly inner: MetadataStore,
    private readonly digests: DigestSeal,
  ) {}

  private opened(item: ItemRecord | null): ItemRecord | null {
    return item ? { ...item, sha256: this.digests.open(item.id, item.sha256) } : null;
  }

  insertItem(item: ItemRecord, quota?: QuotaClaim): Promise<void> {
    return this.inner.insertItem({ ...item, sha256: this.digests.seal(item.id, item.sha256) }, quota);
  }
  quotaUsage(key: string, now: number): Promise<QuotaUsage> {
    return this.inner.quotaUsage(key, now);
  }
  async getLive(id: string, now: number): Promise<ItemRecord | null> {
    return this.opened(await this.inner.getLive(id, now));
  }
  async getLiveByKeyHash(keyHash: string, now: number): Promise<ItemRecord | null> {
    return this.opened(await this.inner.getLiveByKeyHash(keyHash, now));
  }
  async claimRead(id: string, now: number): Promise<ItemRecord | null> {
    return this.opened(await this.inner.claimRead(id, now));
  }
  endRead(id: string): Promise<boolean> {
    return this.inner.endRead(id);
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
  async listItems(query: ItemQuery): Promise<ItemRecord[]> {
    return (await this.inner.listItems(query)).map((item) => this.opened(item) as ItemRecord);
  }
  replaceContent(id: string, content: ContentUpdate, now: number, maxBytes?: number): Promise<{ oldBlobId: string | null } | null> {
    return this.inner.replaceContent(id, { ...content, sha256: this.digests.seal(id, content.sha256) }, now, maxBytes);
  }
  updateMetadata(id: string, update: MetadataUpdate, now: number): Promise<boolean> {
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
    return this.inner.close();
  }
}
