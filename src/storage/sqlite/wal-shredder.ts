// Deleted rows must leave no copy in the WAL: SQLite's secure_delete zeroes them in the database file,
// but the frames written before the delete (the row as inserted, its old versions) stay readable in
// `sealbin.db-wal` until the WAL is reset, and a reset alone does not overwrite them. A TRUNCATE
// checkpoint copies the frames into the (zeroing) database file and cuts the WAL to zero bytes.
import { ColumnNode } from 'kysely';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** The slice of a better-sqlite3 connection the shredder needs (tests pass the real one). */
export interface CheckpointingConnection {
  readonly inTransaction: boolean;
  pragma(source: string, options?: { simple: boolean }): unknown;
}

/** At most this long after a removal, the WAL holding the removed row is truncated. */
export const SHRED_DELAY_MS = 1000;
/** Retry pause while a transaction is open on the connection or another reader holds the WAL. */
const RETRY_MS = 50;

/**
 * Debounced `wal_checkpoint(TRUNCATE)`: the first removal after a checkpoint arms a timer, later
 * removals within the window ride along, so a sweep of thousands of rows costs one checkpoint and
 * the request that deleted never waits for it.
 */
export class WalShredder {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Checkpoints run and the milliseconds they took (for the cost measurement in docs/storage.md). */
  readonly stats = { runs: 0, totalMs: 0, maxMs: 0 };

  constructor(
    private readonly connection: CheckpointingConnection,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly delayMs = SHRED_DELAY_MS,
  ) {}

  /** Something was removed or overwritten: truncate the WAL within `delayMs`. */
  schedule(delayMs = this.delayMs): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, delayMs);
    // A pending shred must not keep a finished process alive; close() runs it instead.
    this.timer.unref();
  }

  /** Checkpoints now unless a transaction is open on this connection (then retries shortly). */
  run(): boolean {
    // Inside a transaction (group commit spans event-loop turns) a checkpoint cannot reset the WAL.
    if (this.connection.inTransaction) {
      this.schedule(RETRY_MS);
      return false;
    }
    const started = performance.now();
    // The connection's busy timeout (seconds, for writes) would make a TRUNCATE checkpoint wait that
    // long for another process's reader (an online backup) with the event loop blocked: do not wait,
    // retry later instead.
    const busyTimeout = Number(this.connection.pragma('busy_timeout', { simple: true }));
    try {
      this.connection.pragma('busy_timeout = 0');
      const [result] = this.connection.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      const took = performance.now() - started;
      this.stats.runs++;
      this.stats.totalMs += took;
      this.stats.maxMs = Math.max(this.stats.maxMs, took);
      // busy: another connection (a backup, `rotate-master-key`) still reads old frames; try again.
      if (result?.busy) {
        this.schedule(RETRY_MS * 10);
        return false;
      }
      return true;
    } catch (error) {
      this.onError(error);
      this.schedule(RETRY_MS * 10);
      return false;
    } finally {
      this.connection.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  /** Stops the timer and runs a last checkpoint if one was pending (before the connection closes). */
  flush(): void {
    this.closed = true;
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.connection.inTransaction) this.run();
  }
}

const COUNTER_COLUMNS = new Set(['downloads', 'clicks']);

/** Whether a statement can leave an old copy of secret bytes behind in the WAL. */
export function removesOrOverwrites(node: RootOperationNode): boolean {
  if (node.kind === 'DeleteQueryNode') return true;
  // Upserts replace settings such as the sealed root secret (master key rotation).
  if (node.kind === 'InsertQueryNode') return node.onConflict !== undefined;
  if (node.kind !== 'UpdateQueryNode') return false;
  // A pure counter update (download and click statistics, every second) rewrites bytes that stay
  // live in the row anyway: no need to checkpoint for it.
  const columns = (node.updates ?? []).map((update) => (ColumnNode.is(update.column) ? update.column.column.name : ''));
  return !columns.every((name) => COUNTER_COLUMNS.has(name));
}

/** A Kysely plugin that arms the shredder for every statement that removes or overwrites data. */
export function shredAfterRemovals(shredder: WalShredder): KyselyPlugin {
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      // The timer fires on a later turn, after this statement has run (better-sqlite3 is synchronous).
      if (removesOrOverwrites(args.node)) shredder.schedule();
      return args.node;
    },
    transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return Promise.resolve(args.result);
    },
  };
}
