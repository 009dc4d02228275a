// The adapters every conformance suite runs against. TEST_ADAPTERS=sqlite,fs narrows the list;
// PostgreSQL and Redis adapters join here when they land (skipping with a reason when absent).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore, MetadataStore } from '../../src/storage/ports.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { openSqliteMetadataStore } from '../../src/storage/sqlite/sqlite-metadata-store.js';

export interface AdapterFactory<T> {
  name: string;
  /** A reason to skip (backend absent), or null. */
  unavailable: () => Promise<string | null>;
  open: () => Promise<{ store: T; dispose: () => Promise<void> }>;
}

function selected(name: string): boolean {
  const only = process.env['TEST_ADAPTERS'];
  return !only || only.split(',').includes(name);
}

export const metadataAdapters: AdapterFactory<MetadataStore>[] = [
  {
    name: 'sqlite',
    unavailable: async () => null,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sealbin-meta-'));
      const store = await openSqliteMetadataStore(join(dir, 'test.db'));
      return { store, dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
].filter((adapter) => selected(adapter.name));

export const blobAdapters: AdapterFactory<BlobStore>[] = [
  {
    name: 'fs',
    unavailable: async () => null,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sealbin-blobs-'));
      const store = new FsBlobStore(join(dir, 'blobs'), 1);
      await store.init();
      return { store, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
].filter((adapter) => selected(adapter.name));
