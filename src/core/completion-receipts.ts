// What a finished resumable upload became, kept a while in this process. A client whose final PATCH
// answer was lost (a cut connection, a proxy timeout) asks HEAD where the upload stands; without this
// the upload is gone, the client starts over and the file is stored twice, the first copy unreachable
// to its creator (no URL, no delete token) and counted against their quota until it expires.
// Memory only: a receipt holds the delete token and the download key, which are never stored in
// clear. Another instance or a restarted server does not know it, and such a client starts over.

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
  /** The rate-limit key of the upload's creator: only they get the receipt, as only they could PATCH. */
  readonly who: string;
  /** Unix seconds after which it is forgotten. */
  readonly until: number;
}

/** How long a receipt is kept: longer than fpaste's whole retry schedule (~1 min), and a rerun soon after. */
export const RECEIPT_SECONDS = 3600;
/** At most this many receipts (oldest forgotten first): memory stays bounded under any upload rate. */
export const RECEIPT_LIMIT = 10_000;

export class CompletionReceipts {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly seconds = RECEIPT_SECONDS,
    private readonly limit = RECEIPT_LIMIT,
  ) {}

  /** Remembers what upload `uploadId` of `who` became. */
  remember(uploadId: string, who: string, receipt: Receipt): void {
    this.entries.delete(uploadId);
    while (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(uploadId, { receipt, who, until: this.now() + this.seconds });
  }

  /** The receipt of upload `uploadId`, for its own creator only and until it lapses; otherwise null. */
  recall(uploadId: string, who: string): Receipt | null {
    const entry = this.entries.get(uploadId);
    if (!entry) return null;
    if (this.now() >= entry.until) {
      this.entries.delete(uploadId);
      return null;
    }
    // Another client holding the upload URL learns nothing the creator's final answer said.
    return entry.who === who ? entry.receipt : null;
  }

}
