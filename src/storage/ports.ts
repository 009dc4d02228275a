// The storage ports: what the core needs from persistence, nothing about how. Adapters live in
// sibling folders (sqlite/, fs/, later postgres/, redis/) and are all checked by one conformance suite.
import type { Readable, Writable } from 'node:stream';

export type ItemKind = 'paste' | 'file';

/** One stored item: metadata plus where its encrypted content lives. */
export interface ItemRecord {
  /** 32 lowercase hex chars. */
  id: string;
  kind: ItemKind;
  /** Keyed hash of the diceware download key (file shares), never the key itself. */
  keyHash: string | null;
  /** SHA-256 fingerprint of the owner's certificate; null for anonymous items. */
  owner: string | null;
  /** SHA-256 (hex) of the delete token; null when the item has an owner instead. */
  deleteTokenHash: string | null;
  /** Plaintext size in bytes. */
  size: number;
  mimeType: string;
  filename: string | null;
  /**
   * SHA-256 (hex) of the plaintext, recorded at upload, checked on read. Stores see it sealed
   * (see crypto/digest-seal.ts and storage/sealed-digest-store.ts), the rest of the server in clear.
   */
  sha256: string;
  createdAt: number;
  expiresAt: number | null;
  burnAfterRead: boolean;
  /** Set when a burn-after-read item has been claimed by its one reader. */
  burnedAt: number | null;
  downloads: number;
  /**
   * Complete reads left before the item is removed and shredded (X-Max-Downloads; a burn-after-read
   * item has 1 until read); null = unlimited.
   */
  downloadsRemaining: number | null;
  /** The item's data key, wrapped by the master key with the id as associated data. */
  wrappedKey: Buffer;
  /** Encrypted content in the BlobStore under this id ... */
  blobId: string | null;
  /** ... or, for small items, inline in the metadata store (same encryption). */
  inline: Buffer | null;
}

/** Where the content of a removed item lived, so it can be shredded. */
export interface RemovedItem {
  id: string;
  blobId: string | null;
}

/**
 * Whom an item counts against, and the limits checked when it is stored (0 = no limit). The key is
 * stored with the item either way, so that quotas switched on later count the items made before.
 */
export interface QuotaClaim {
  /** `owner:<fingerprint>` or `group:<keyed hash of the address group>` (core/quota.ts). */
  key: string;
  maxBytes: number;
  maxItems: number;
  /** The time the check counts live items at (an upload may take long: not its creation time). */
  now: number;
}

/** Live items (not expired at `now`, not burned) stored under one quota key. */
export interface QuotaUsage {
  items: number;
  bytes: number;
}

/**
 * A store refused because the item would take its quota key past a limit. `used` is what the key
 * held without the item (for a replaced item: without its old content).
 */
export class QuotaOverrun extends Error {
  override readonly name = 'QuotaOverrun';

  constructor(
    readonly quota: 'bytes' | 'items',
    readonly used: number,
    readonly limit: number,
  ) {
    super(`quota exceeded: ${quota} ${used} of ${limit} in use`);
  }
}

export interface MetadataStore {
  /**
   * Makes a new item visible. Resolves only once durable (committed). With a quota claim the item
   * is stored under its key, and checked in the transaction that inserts it, under a lock of the key
   * (SQLite: the one writer; PostgreSQL: an advisory lock), so concurrent inserts in one process or
   * many never overshoot: one that would rejects with QuotaOverrun and stores nothing.
   * @example await store.insertItem(record, { key: 'owner:0f0f...', maxBytes: 0, maxItems: 50, now })
   */
  insertItem(item: ItemRecord, quota?: QuotaClaim): Promise<void>;
  /**
   * What `key` holds in live items at `now`, for an early refusal (no lock: the exact check is insertItem's).
   * @example await store.quotaUsage('owner:0f0f...', now) // -> { items: 3, bytes: 1200 }
   */
  quotaUsage(key: string, now: number): Promise<QuotaUsage>;
  /** The item if it exists, has not expired at `now` and has not been burned; else null. */
  getLive(id: string, now: number): Promise<ItemRecord | null>;
  /** Same as getLive, looked up by the keyed hash of a diceware key. */
  getLiveByKeyHash(keyHash: string, now: number): Promise<ItemRecord | null>;
  /**
   * Atomically takes one of a live limited item's remaining reads (`downloadsRemaining` ≥ 1, burn after
   * read included): of k concurrent callers exactly min(k, remaining) get the record, every other gets
   * null. The returned record has `downloadsRemaining` one lower and the read counted in `downloads`;
   * the caller that takes the last read gets `burnedAt` = now, and the item is invisible from then on.
   * Every caller that got a record calls `endRead` once its response is over.
   * @example const claimed = await store.claimRead(id, now) // null: no read left (or gone)
   */
  claimRead(id: string, now: number): Promise<ItemRecord | null>;
  /**
   * Ends one read taken by `claimRead`. True for exactly one caller: the one ending the last open read
   * of an item whose reads are all spent, who then removes it; the others' streams are never cut short.
   * @example if (await store.endRead(id)) await remove(id)
   */
  endRead(id: string): Promise<boolean>;
  /**
   * Adds download counts, several items in one commit (statistics, not a security decision: batched
   * so that reads do not each pay for a durable write).
   */
  addDownloads(counts: ReadonlyMap<string, number>): Promise<void>;
  /** Deletes the row (whatever its state) and says where its content lived; null if it was gone. */
  deleteItem(id: string): Promise<RemovedItem | null>;
  /**
   * Deletes up to `limit` items due for removal (expired at `now`, or burned before `burnedBefore`)
   * in one statement and returns them, so a sweep commits once per batch. Each row is returned to
   * exactly one caller, even when several instances sweep at once; fewer than `limit` (or none) can
   * come back while rows remain if another sweeper took them, so sweep until an empty batch.
   * @example const gone = await store.removeDue(now, now - 3600, 200) // -> [{ id, blobId }, ...]
   */
  removeDue(now: number, burnedBefore: number, limit: number): Promise<RemovedItem[]>;
  /** Whether any row references this blob (to tell orphans from live blobs). */
  hasBlob(blobId: string): Promise<boolean>;
  /** Live items matching the query, newest first (created_at desc, id desc). */
  listItems(query: ItemQuery): Promise<ItemRecord[]>;
  /**
   * Replaces the content of a live item; returns the blob the old content lived in (to shred), or null
   * when gone. With `maxBytes` (> 0), content larger than the old is checked against the byte quota of
   * the key the item was stored under, in the same transaction (QuotaOverrun, nothing changed).
   */
  replaceContent(id: string, content: ContentUpdate, now: number, maxBytes?: number): Promise<{ oldBlobId: string | null } | null>;
  /** Changes expiry, burn flag or filename of a live item; false when it is gone. */
  updateMetadata(id: string, update: MetadataUpdate, now: number): Promise<boolean>;
  /** Small key/value settings (e.g. the master key check). */
  getSetting(name: string): Promise<string | null>;
  setSetting(name: string, value: string): Promise<void>;
  /**
   * Stores `value` unless the setting exists, atomically, and returns what is stored: the winner's
   * value when several instances race to create it.
   * @example const root = await store.setSettingIfAbsent('root_secret', mine) // mine, or the one stored first
   */
  setSettingIfAbsent(name: string, value: string): Promise<string>;
  /** Throws when the store is unusable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A blob being written: invisible until commit, gone after abort. */
export interface BlobWriter {
  readonly stream: Writable;
  /** Flushes to stable storage and makes the blob readable under its id. */
  commit(): Promise<void>;
  /** Removes whatever was written. Safe to call after a failure or twice. */
  abort(): Promise<void>;
}

/** Inclusive byte range of a stored blob. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobStore {
  /** Starts writing blob `blobId`. */
  create(blobId: string): Promise<BlobWriter>;
  /** Reads a blob, whole or a byte range of it; rejects with code ENOENT when missing. */
  read(blobId: string, range?: ByteRange): Promise<Readable>;
  /** Shreds (random overwrite, flush) and removes a blob; a missing blob is not an error. */
  remove(blobId: string): Promise<void>;
  /**
   * Committed blob ids last written before `olderThanMs` (Unix epoch milliseconds), for the orphan
   * sweep: a blob committed moments ago may still be waiting for its row (another instance's upload).
   * @example for await (const id of blobs.list(Date.now() - 3_600_000)) ...
   */
  list(olderThanMs: number): AsyncIterable<string>;
  /**
   * Removes leftovers of writes that never committed (crash mid-upload) and were started before
   * `olderThanMs` (epoch ms) with no write since then, so an upload still in progress on any
   * instance is never touched. Returns how many it removed (one already gone is not counted).
   * @example await blobs.sweepIncomplete(Date.now() - 3_600_000) // -> 0
   */
  sweepIncomplete(olderThanMs: number): Promise<number>;
  ping(): Promise<void>;
}

/** The outcome of one rate-limited action. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (≥ 1 while limited). */
  resetIn: number;
}

/** A counter's value and the seconds left before it expires. */
export interface CounterValue {
  value: number;
  ttl: number;
}

/**
 * Shared, expiring counters: every piece of abuse-prevention state (rate limits, brute-force
 * counts and blocks, used PoW tokens, the flood level, duplicate hashes) lives here and nowhere
 * else, so that many instances can share one Redis while a single one keeps it in memory.
 * Any method may reject when the backend is unreachable; callers fail closed.
 */
export interface CounterStore {
  /**
   * Adds `by` to the counter `key`, creating it with a lifetime of `ttlSeconds` if absent (a fixed
   * window: the lifetime is not extended by later increments unless `refresh` is set).
   * @example await counters.increment('bf:raw:203.0.113.7', 1800) // -> { value: 1, ttl: 1800 }
   */
  increment(key: string, ttlSeconds: number, options?: { by?: number; refresh?: boolean }): Promise<CounterValue>;
  /** The counter's value and remaining lifetime, or null when absent or expired. */
  get(key: string): Promise<CounterValue | null>;
  /** Sets `key` only if absent; true for the one caller that set it (single-use tokens). */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Sets `key` to `value` with a lifetime, replacing any previous value. */
  put(key: string, value: number, ttlSeconds: number): Promise<void>;
  /**
   * Consumes one point of `limit` per `windowSeconds` for `key` in the named bucket (rate limits,
   * via rate-limiter-flexible). Exactly `limit` calls in a window are allowed, even in parallel.
   */
  consume(bucket: string, key: string, limit: number, windowSeconds: number): Promise<RateDecision>;
  /**
   * Gives back one point that `consume` took in the same bucket and window (a request refused for
   * a reason that must not cost budget, such as a wrong proof of work). Returns the points left.
   * @example await counters.refund('rl:create', 'ip:203.0.113.7', 30, 3600) // -> 30
   */
  refund(bucket: string, key: string, limit: number, windowSeconds: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The built-in CA: its certificate and its private key sealed by the master key. */
export interface CaRecord {
  certificatePem: string;
  sealedKey: Buffer;
  fingerprint: string;
  commonName: string;
  createdAt: number;
  expiresAt: number;
}

/** A certificate this server issued (never its private key). */
export interface CertRecord {
  /** Lowercase hex. */
  serial: string;
  /** Lowercase hex SHA-256 of the DER: the holder's identity. */
  fingerprint: string;
  /** Lowercase hex SHA-1 of the DER, for proxies that only pass X-SSL-Client-SHA1. */
  sha1: string;
  commonName: string;
  admin: boolean;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  certificatePem: string;
}

/** Filters for listing items; `owner` null lists every owner's (admin). */
export interface ItemQuery {
  owner: string | null;
  /** SQL LIKE pattern on mime_type ("image/%"), from a MIME glob. */
  typePattern: string | null;
  after: number | null;
  before: number | null;
  now: number;
  limit: number;
  /** Keyset cursor: items strictly older than (createdAt, id). */
  cursor: { createdAt: number; id: string } | null;
}

/** What the content of an item is replaced with (PUT). */
export interface ContentUpdate {
  size: number;
  mimeType: string;
  sha256: string;
  wrappedKey: Buffer;
  blobId: string | null;
  inline: Buffer | null;
}

export interface MetadataUpdate {
  expiresAt?: number | null;
  burnAfterRead?: boolean;
  filename?: string | null;
  /** A new number of reads left (null: unlimited). */
  downloadsRemaining?: number | null;
}

export interface PkiStore {
  getCa(): Promise<CaRecord | null>;
  /** Stores the CA unless one exists; false when another request created it first. */
  createCa(ca: CaRecord): Promise<boolean>;
  insertCert(cert: CertRecord): Promise<void>;
  getCertByFingerprint(fingerprint: string): Promise<CertRecord | null>;
  getCertBySha1(sha1: string): Promise<CertRecord | null>;
  getCertBySerial(serial: string): Promise<CertRecord | null>;
  /** Every certificate, revoked ones included, oldest first (issuedAt, then serial). */
  listCerts(): Promise<CertRecord[]>;
  /** Sets revoked_at once; returns the record (revoked) or null when unknown. */
  revokeCert(serial: string, at: number): Promise<CertRecord | null>;
}

/** One PKI lifecycle event. Never carries private keys. */
export interface AuditEvent {
  event: 'ca_created' | 'issued' | 'registered' | 'revoked' | 'rejected';
  serial?: string;
  fingerprint?: string;
  common_name?: string;
  /** Fingerprint of the acting certificate, or "loopback" / "anonymous". */
  actor: string;
  request_id: string;
  reason?: string;
}

export interface AuditLog {
  /** Appends one event durably (JSON line with the time added). */
  record(event: AuditEvent): Promise<void>;
}

/** A PKI event as the database keeps it: the event plus the Unix second it happened. */
export interface AuditRecord extends AuditEvent {
  time: number;
}

/**
 * The PKI audit trail in the shared database, so that N instances keep one trail (the audit file
 * stays per instance). Append-only: nothing edits or deletes an event.
 * @example await audit.appendAudit({ event: 'revoked', serial: '0a', actor: 'loopback', request_id: 'r1', time: 1700000000 })
 */
export interface AuditStore {
  /** Stores one event durably; events keep the order of their appends. */
  appendAudit(record: AuditRecord): Promise<void>;
  /** Events in append order, after position `after` (0 = from the start), at most `limit`; `seq` is the position to continue from. */
  listAudit(after: number, limit: number): Promise<(AuditRecord & { seq: number })[]>;
}

/** A short link. */
export interface ShortLinkRecord {
  /** 8 base62 characters. */
  id: string;
  /** The WHATWG-normalised target URL. */
  target: string;
  owner: string | null;
  createdAt: number;
  expiresAt: number | null;
  clicks: number;
  /** Redirects left before the link is removed (X-Max-Downloads); null = unlimited. */
  clicksRemaining: number | null;
}

export interface ShortLinkStore {
  /** Inserts unless the id is taken; false on a collision (the caller retries with a new id). */
  insertLink(link: ShortLinkRecord): Promise<boolean>;
  /** A link that has not expired and has redirects left; else null. */
  getLiveLink(id: string, now: number): Promise<ShortLinkRecord | null>;
  /**
   * Atomically counts one click on a live link and returns it; null when gone. A limited link also
   * gives one of its redirects left: of concurrent clicks exactly that many get the link, and the
   * one that takes the last gets `clicksRemaining` 0 (the link is invisible from then on; remove it).
   */
  clickLink(id: string, now: number): Promise<ShortLinkRecord | null>;
  /** Live links of `owner` (null: everyone's), newest first (createdAt desc, id desc), at most 1000. */
  listLinks(owner: string | null, now: number): Promise<ShortLinkRecord[]>;
  deleteLink(id: string): Promise<boolean>;
  /** Deletes expired links and those with no redirect left; returns how many. */
  deleteExpiredLinks(now: number): Promise<number>;
}

/**
 * Every port one metadata database serves, sharing one connection that `metadata.close()` closes.
 * @example const { metadata, pki, links, keys } = await openSqliteStores('./data/sealbin.db')
 */
export interface MetadataStores {
  metadata: MetadataStore;
  pki: PkiStore;
  links: ShortLinkStore;
  keys: KeyRotationStore;
  fields: FieldSealingStore;
  audit: AuditStore;
  rows: RowCopyStore;
}

/** The tables `sealbin export-to` copies, in the order it copies them. */
export const COPIED_TABLES = ['settings', 'pki_ca', 'pki_certs', 'items', 'short_links', 'pki_audit'] as const;
export type CopiedTable = (typeof COPIED_TABLES)[number];

/** One stored row as the database holds it (sealed fields and wrapped keys included, untouched). */
export type StoredRow = Record<string, unknown>;

/**
 * Whole rows, table by table, for copying one database into another (`sealbin export-to`). Rows pass
 * through as stored: nothing is unsealed, so the target needs the same master key.
 * @example for (let page = await rows.readRows('items', null, 500); page.length > 0; ...) { ... }
 */
export interface RowCopyStore {
  /** Rows of `table` in key order after the key `after` (null: from the start), at most `limit`, each with its key. */
  readRows(table: CopiedTable, after: string | number | null, limit: number): Promise<{ key: string | number; row: StoredRow }[]>;
  /** Rows per table that hold data (settings that the migrations write themselves are not counted). */
  countRows(): Promise<Record<CopiedTable, number>>;
  /**
   * Runs `work` in one transaction: every row it writes commits together, or none does. Settings
   * replace a value of the same name (the migrations write some); other tables insert.
   */
  writeAll(work: (write: (table: CopiedTable, rows: StoredRow[]) => Promise<void>) => Promise<void>): Promise<void>;
}

/** A metadata column sealed at rest (src/crypto/field-seal.ts). */
export type SealedPlace = 'items.filename' | 'short_links.target';

/** What sealing the metadata of rows written before it was sealed needs (a one-time pass at start). */
export interface FieldSealingStore {
  /** Rows whose `place` is not null, in id order after `afterId`, with the stored value. */
  listFields(place: SealedPlace, afterId: string, limit: number): Promise<{ id: string; value: string }[]>;
  /** Replaces the stored value only if it is still `old` (a concurrent write wins). */
  replaceField(place: SealedPlace, id: string, old: string, next: string): Promise<boolean>;
}

/** What re-wrapping every key under a new master key needs (master key rotation). */
export interface KeyRotationStore {
  /** Item ids and wrapped keys in id order, after `afterId`. */
  listWrappedKeys(afterId: string, limit: number): Promise<{ id: string; wrappedKey: Buffer }[]>;
  /** Replaces a wrapped key only if it is still `old` (a concurrent PUT re-keyed the item already). */
  replaceWrappedKey(id: string, old: Buffer, next: Buffer): Promise<boolean>;
  /** Replaces the CA's sealed private key only if it is still `old`. */
  replaceCaSealedKey(old: Buffer, next: Buffer): Promise<boolean>;
  /**
   * Item ids and stored content digests not sealed yet (not starting with `sd1:`), in id order, after
   * `afterId` (sealing legacy plain digests). The filter runs in the database: a start with every
   * digest sealed reads no row into the server.
   */
  listDigests(afterId: string, limit: number): Promise<{ id: string; digest: string }[]>;
  /** Replaces a stored digest only if it is still `old` (a concurrent PUT wrote a new one already). */
  replaceDigest(id: string, old: string, next: string): Promise<boolean>;
}

/** The segment log of one partial upload, open for reading and appending (one writer at a time). */
export interface PartialLog {
  size(): Promise<number>;
  /** Up to `length` bytes at `position` (fewer at the end of the log). */
  read(position: number, length: number): Promise<Buffer>;
  /** Writes `data` at `position` (the end of the log). */
  write(data: Buffer, position: number): Promise<void>;
  /** Flushes what was written to stable storage. */
  sync(): Promise<void>;
  /** Cuts the log back to `size` bytes (a torn tail, a refused PATCH). */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where partial (resumable) uploads live until they complete: a small state document and a log of
 * sealed segments per upload (src/crypto/upload-segment.ts). The store sees only ciphertext and the
 * state as the core serialised it.
 * @example await partials.create(id, JSON.stringify(state)); const log = await partials.openLog(id)
 */
export interface PartialStore {
  /**
   * True when other processes (instances) write to the same uploads: nothing learnt about a log may
   * then be kept between two requests. False for a store only this process uses.
   */
  readonly shared: boolean;
  /** Stores the state of a new upload durably, with an empty segment log. */
  create(id: string, state: string): Promise<void>;
  /** The stored state, or null when the upload is unknown. */
  readState(id: string): Promise<string | null>;
  /** Replaces the state atomically and durably. */
  writeState(id: string, state: string): Promise<void>;
  /** Opens the segment log (rejects with code ENOENT when the upload is unknown). */
  openLog(id: string): Promise<PartialLog>;
  /** Shreds the log and the state; a missing upload is not an error. */
  remove(id: string): Promise<void>;
  /** Ids of every stored upload (for the expiry sweep). */
  list(): AsyncIterable<string>;
}

/**
 * One request at a time per partial upload, across every process that shares the PartialStore.
 * A newcomer asks the holder to stop (a resuming client must not wait for a dead connection to time
 * out) and then waits for it; a holder that dies loses the lock with it.
 * @example await locks.run(id, () => body.destroy(), () => appendTheBody())
 */
export interface UploadLocker {
  /**
   * Runs `work` holding the lock of `id`. `cancel` is called if another request wants the lock
   * meanwhile: it should make `work` wind up soon (e.g. by ending the request body it reads).
   */
  run<T>(id: string, cancel: () => void, work: () => Promise<T>): Promise<T>;
  /** Runs `work` only if nobody holds the lock of `id` now (the expiry sweep); undefined otherwise. */
  tryRun<T>(id: string, work: () => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
}
