// Results of pure, keyed crypto (opening a sealed value, an HMAC) remembered for the items read
// most recently, so a hot item's read costs no AES-GCM set-up. Bounded: an attacker reading many
// distinct items cannot grow the process's memory through it.

/** A memo of a pure function's results that drops its oldest entry once it holds `size`. */
export class BoundedMemo {
  private readonly entries = new Map<string, string>();

  constructor(private readonly size: number) {}

  /** `compute()` for `key`, computed once while the key stays among the newest `size`. */
  get(key: string, compute: () => string): string {
    const known = this.entries.get(key);
    if (known !== undefined) return known;
    const value = compute();
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
    return value;
  }
}
