// An ItemService over a metadata store a unit test fakes and an in-memory blob store, with fixed
// limits, a fixed clock and no type detection: the fault tests vary only the stores.
import { randomBytes } from 'node:crypto';
import { ItemService } from '../../src/core/item-service.js';
import type { ItemServiceDeps } from '../../src/core/item-service.js';
import { deriveKeyring } from '../../src/crypto/keyring.js';
import type { MetadataStore } from '../../src/storage/ports.js';
import type { MemoryBlobStore } from './memory-blob-store.js';

export function testItemService(metadata: MetadataStore, blobs: MemoryBlobStore, extra: Partial<ItemServiceDeps> = {}): ItemService {
  return new ItemService({
    metadata,
    blobs,
    keyring: deriveKeyring(randomBytes(32)),
    clock: { now: () => 1_800_000_000 },
    limits: { maxSize: 10 * 1024 * 1024, defaultExpiry: 3600, maxExpiry: 86400 },
    detectMagic: async () => null,
    ...extra,
  });
}
