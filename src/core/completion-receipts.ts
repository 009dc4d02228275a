// What a finished resumable upload became, kept a short while in this process. A client whose final
// PATCH answer was lost (a cut connection, a proxy timeout) asks HEAD where the upload stands; without
// this the upload is gone, the client starts over and the file is stored twice, the first copy
// unreachable to its creator (no URL, no delete token) and counted against their quota until it expires.
// Memory only: a receipt holds the delete token and the download key, which are never stored in
// clear. Another instance or a restarted server does not know it, and such a client starts over.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The final PATCH's answer, as HEAD repeats it. */
export interface Receipt {
  /** The created item's id. */
  readonly id: string;
  /** The upload's length: what HEAD reports as both offset and length. */
  readonly length: number;
  /** The diceware download key of a file share, or null. */
  readonly key: string | null;
  /** An anonymous creator's delete token, or null. */
  readonly deleteToken: string | null;
}

interface Entry {
  readonly receipt: Receipt;
  /** SHA-256 of the creator's rate-limit key: only they get the receipt, as only they could PATCH. */
  readonly who: Buffer;
  /** Unix seconds after which it is forgotten. */
  readonly until: number;
}

/**
 * How long a receipt is kept: fpaste asks within its retry schedule (about a minute) or when run again
 * soon after. Short, because for that long the upload URL gives the key and delete token to its
 * creator's address group (a NAT, a shared /64), as it gave them the unfinished upload before.
 */
export const RECEIPT_SECONDS = 600;
/** At most this many receipts (oldest forgotten first): memory stays bounded under any upload rate. */
export const RECEIPT_LIMIT = 10_000;

const digest = (who: string): Buffer => createHash('sha256').update(who).digest();

export class CompletionReceipts {
  /** In insertion order, which is expiry order: the lapsed ones are always at the front. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly seconds = RECEIPT_SECONDS,
    private readonly limit = RECEIPT_LIMIT,
  ) {}

  /** Remembers what upload `uploadId` of `who` became. */
  remember(uploadId: string, who: string, receipt: Receipt): void {
    const now = this.now();
    // Lapsed receipts go now, not when someone asks: a quiet server would keep their secrets for good.
    for (const [id, entry] of this.entries) {
      if (entry.until > now && this.entries.size < this.limit) break;
      this.entries.delete(id);
    }
    this.entries.delete(uploadId);
    this.entries.set(uploadId, { receipt, who: digest(who), until: now + this.seconds });
  }

  /**
   * The receipt of upload `uploadId`, to its own creator and until it lapses; otherwise null. Not
   * spent when read: the answer that carried it can be lost too (a retried HEAD, a proxy's retry).
   */
  recall(uploadId: string, who: string): Receipt | null {
    const entry = this.entries.get(uploadId);
    if (!entry) return null;
    if (this.now() >= entry.until) {
      this.entries.delete(uploadId);
      return null;
    }
    // Another client holding the upload URL learns nothing the creator's final answer said.
    return timingSafeEqual(entry.who, digest(who)) ? entry.receipt : null;
  }
}
