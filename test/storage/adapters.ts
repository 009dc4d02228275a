// The adapters every conformance suite runs against, and the loop that runs a suite over them.
// TEST_ADAPTERS=sqlite,postgres,fs,memory,redis narrows the lists. A networked backend's `unavailable`
// names the missing variable (TEST_DATABASE_URL, TEST_REDIS_URL), so a newcomer's run skips it with
// that reason while CI, which sets it, runs it. Each test gets a fresh store: networked adapters
// open a fresh schema / key prefix per open() (redis: counter-store-redis-adapter.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import type { BlobStore, CounterStore, MetadataStores, PartialStore } from '../../src/storage/ports.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { FsPartialStore } from '../../src/storage/fs/fs-partial-store.js';
import { MemoryCounterStore } from '../../src/storage/memory/memory-counter-store.js';
import { openSqliteStores } from '../../src/storage/sqlite/sqlite-stores.js';
import { createPool, openPostgresStores } from '../../src/storage/postgres/postgres-stores.js';
import { PostgresBlobStore } from '../../src/storage/postgres/postgres-blob-store.js';
import { PostgresPartialStore } from '../../src/storage/postgres/postgres-partial-store.js';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../helpers/postgres.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { redisCounterAdapter } from './counter-store-redis-adapter.js';
import type { FakeClock } from '../helpers/fake-clock.js';

export interface AdapterFactory<T> {
  name: string;
  /** A reason to skip (backend absent), or null. */
  unavailable: () => Promise<string | null>;
  open: () => Promise<{ store: T; dispose: () => Promise<void> }>;
}

/**
 * A counter store and the clock it reads. Time in these suites moves only through this clock, so an
 * adapter must take its notion of "now" from it (a Redis adapter passes clock.now() into its scripts).
 */
export interface CountersUnderTest {
  counters: CounterStore;
  clock: FakeClock;
}

function selected(name: string): boolean {
  const only = process.env['TEST_ADAPTERS'];
  return !only || only.split(',').includes(name);
}

function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const metadataAdapters: AdapterFactory<MetadataStores>[] = [
  {
    name: 'sqlite',
    unavailable: async () => null,
    open: async () => {
      const { dir, remove } = tempDir('sealbin-meta-');
      const store = await openSqliteStores(join(dir, 'test.db'));
      return {
        store,
        dispose: async () => {
          await store.metadata.close();
          remove();
        },
      };
    },
  },
  {
    name: 'postgres',
    unavailable: async () => (testDatabaseUrl() ? null : NO_DATABASE),
    open: async () => {
      const schema = await createTestSchema(testDatabaseUrl() as string);
      const store = await openPostgresStores(createPool(testDatabaseUrl() as string, (error) => console.error(error), { options: schema.options, max: 4 }));
      return {
        store,
        dispose: async () => {
          await store.metadata.close();
          await schema.drop();
        },
      };
    },
  },
].filter((adapter) => selected(adapter.name));

export const blobAdapters: AdapterFactory<BlobStore>[] = [
  {
    name: 'fs',
    unavailable: async () => null,
    open: async () => {
      const { dir, remove } = tempDir('sealbin-blobs-');
      const store = new FsBlobStore(join(dir, 'blobs'), 1);
      await store.init();
      return { store, dispose: async () => remove() };
    },
  },
  {
    name: 'postgres',
    unavailable: async () => (testDatabaseUrl() ? null : NO_DATABASE),
    open: async () => {
      const schema = await createTestSchema(testDatabaseUrl() as string);
      const pool = createPool(testDatabaseUrl() as string, (error) => console.error(error), { options: schema.options, max: 4 });
      const stores = await openPostgresStores(pool);
      return {
        store: new PostgresBlobStore(pool),
        dispose: async () => {
          await stores.metadata.close();
          await schema.drop();
        },
      };
    },
  },
].filter((adapter) => selected(adapter.name));

export const partialAdapters: AdapterFactory<PartialStore>[] = [
  {
    name: 'fs',
    unavailable: async () => null,
    open: async () => {
      const { dir, remove } = tempDir('sealbin-tus-');
      return { store: new FsPartialStore(join(dir, 'tus'), 1), dispose: async () => remove() };
    },
  },
  {
    name: 'postgres',
    unavailable: async () => (testDatabaseUrl() ? null : NO_DATABASE),
    open: async () => {
      const schema = await createTestSchema(testDatabaseUrl() as string);
      const pool = createPool(testDatabaseUrl() as string, (error) => console.error(error), { options: schema.options, max: 4 });
      const stores = await openPostgresStores(pool);
      return {
        store: new PostgresPartialStore(pool),
        dispose: async () => {
          await stores.metadata.close();
          await schema.drop();
        },
      };
    },
  },
].filter((adapter) => selected(adapter.name));

export const counterAdapters: AdapterFactory<CountersUnderTest>[] = [
  {
    name: 'memory',
    unavailable: async () => null,
    open: async () => {
      const clock = fakeClock();
      const counters = new MemoryCounterStore(clock);
      return { store: { counters, clock }, dispose: () => counters.close() };
    },
  },
  redisCounterAdapter,
].filter((adapter) => selected(adapter.name));

/**
 * Declares the suite once per adapter. `current()` returns the store of the running test: a fresh
 * one for every test, disposed after it.
 * @example conformance('PkiStore', metadataAdapters, (current) => { it('...', async () => { await current().pki.getCa() }) })
 */
export function conformance<T>(port: string, adapters: AdapterFactory<T>[], tests: (current: () => T) => void): void {
  if (adapters.length === 0) {
    describe(`${port} conformance`, () => {
      it.skip('skipped: TEST_ADAPTERS selects none of its adapters', () => undefined);
    });
    return;
  }
  for (const adapter of adapters) {
    describe(`${port} conformance: ${adapter.name}`, async () => {
      const reason = await adapter.unavailable();
      if (reason) {
        it.skip(`skipped: ${reason}`, () => undefined);
        return;
      }
      let opened: { store: T; dispose: () => Promise<void> } | undefined;
      beforeEach(async () => {
        opened = await adapter.open();
      });
      afterEach(async () => {
        await opened?.dispose();
        opened = undefined;
      });
      tests(() => {
        if (!opened) throw new Error(`no ${adapter.name} store is open outside a test`);
        return opened.store;
      });
    });
  }
}
