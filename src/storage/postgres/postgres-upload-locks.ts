// One request at a time per partial upload across every instance sharing the database: the
// in-process UploadLocks first (a newcomer here stops the holder here), then a PostgreSQL session
// advisory lock on a connection held for the request. The session ends with the connection, so an
// instance that dies mid-PATCH (SIGKILL, power cut) frees its uploads at once. A newcomer that finds
// the lock held elsewhere asks the holder to stop with a NOTIFY, which every instance LISTENs for,
// and waits at most LOCK_WAIT_MS before it answers 423 UPLOAD_LOCKED.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { AppError } from '../../core/errors.js';
import { UploadLocks } from '../../core/upload-lock.js';
import type { UploadLocker } from '../ports.js';

/** First key of the two-key advisory locks (ASCII "SBtu"); quota locks use "SBqt" (sql-item-store.ts). */
export const TUS_LOCK_CLASS = 0x53427475;
/** The channel a newcomer asks the holder on; the payload is `<instance>:<upload id>`. */
export const RELEASE_CHANNEL = 'sealbin_tus_release';
/** How long a newcomer waits for a holder elsewhere: it seals and commits what it had, a matter of milliseconds. */
export const LOCK_WAIT_MS = 10_000;
/** Pause before the listener connects again after its connection failed. */
const RECONNECT_MS = 1_000;

/** 32 bits of a hash of the id: two uploads sharing one lock only queue together. */
function lockKey(id: string): number {
  return createHash('sha256').update(`tus:${id}`).digest().readInt32BE(0);
}

export interface PostgresUploadLocksOptions {
  /** Connections that hold the locks (one per request in progress on an upload). */
  pool: pg.Pool;
  /** A fresh client for the LISTEN connection (reconnected when it fails). */
  listener: () => pg.Client;
  onListenerError: (error: Error) => void;
  /** How long a newcomer waits for a holder elsewhere; default LOCK_WAIT_MS. */
  waitMs?: number;
}

export class PostgresUploadLocks implements UploadLocker {
  private readonly local = new UploadLocks();
  /** Tells this instance's own NOTIFYs apart from the others'. */
  private readonly instance = randomBytes(8).toString('hex');
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly options: PostgresUploadLocksOptions) {}

  /** Starts listening for release requests (resolves once LISTEN is in place). */
  async listen(): Promise<void> {
    const client = this.options.listener();
    client.on('error', (error) => this.reconnect(client, error));
    client.on('end', () => this.reconnect(client, new Error('the LISTEN connection ended')));
    client.on('notification', (message) => {
      const [from, id] = (message.payload ?? '').split(':');
      if (message.channel !== RELEASE_CHANNEL || from === this.instance || id === undefined) return;
      this.local.interrupt(id);
    });
    this.client = client;
    await client.connect();
    await client.query(`listen ${RELEASE_CHANNEL}`);
  }

  private reconnect(client: pg.Client, error: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.options.onListenerError(error);
    client.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.closed) this.listen().catch((failure: Error) => this.reconnect(this.client ?? client, failure));
    }, RECONNECT_MS);
    this.retry.unref();
  }

  async run<T>(id: string, cancel: () => void, work: () => Promise<T>): Promise<T> {
    return this.local.run(id, cancel, async () => {
      const held = await this.acquire(id, true);
      return this.holding(held as pg.PoolClient, id, work);
    });
  }

  async tryRun<T>(id: string, work: () => Promise<T>): Promise<T | undefined> {
    return this.local.tryRun(id, async () => {
      const held = await this.acquire(id, false);
      if (held === null) return undefined;
      return this.holding(held, id, work);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    await this.options.pool.end();
  }

  private async holding<T>(held: pg.PoolClient, id: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      await this.release(held, id);
    }
  }

  /** A connection holding the lock of `id`; null when `wait` is false and someone else holds it. */
  private async acquire(id: string, wait: boolean): Promise<pg.PoolClient | null> {
    const client = await this.options.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int4, $2::int4) as ok', [TUS_LOCK_CLASS, lockKey(id)]);
      if (rows[0]?.ok) return client;
      if (!wait) {
        client.release();
        return null;
      }
      await client.query('select pg_notify($1, $2)', [RELEASE_CHANNEL, `${this.instance}:${id}`]);
      await client.query(`set lock_timeout = ${Math.floor(this.options.waitMs ?? LOCK_WAIT_MS)}`);
      try {
        await client.query('select pg_advisory_lock($1::int4, $2::int4)', [TUS_LOCK_CLASS, lockKey(id)]);
      } finally {
        await client.query('reset lock_timeout');
      }
      return client;
    } catch (error) {
      client.release(true);
      // 55P03 lock_not_available: the holder did not let go in time (its instance is alive but did not hear us).
      if ((error as { code?: string }).code === '55P03') throw new AppError('UPLOAD_LOCKED', 'Another request for this upload is still in progress on another instance; retry shortly.', { retry_after: 1 });
      throw error;
    }
  }

  private async release(client: pg.PoolClient, id: string): Promise<void> {
    try {
      await client.query('select pg_advisory_unlock($1::int4, $2::int4)', [TUS_LOCK_CLASS, lockKey(id)]);
      client.release();
    } catch {
      // A connection that cannot unlock is dropped: its session, and the lock with it, ends.
      client.release(true);
    }
  }
}
