// Shannon entropy in bits per byte, from a byte histogram filled while the upload streams.

export const ENTROPY_MIN_BODY = 256;

export class ByteHistogram {
  private readonly counts = new Float64Array(256);
  total = 0;

  add(chunk: Buffer): void {
    const counts = this.counts;
    for (let i = 0; i < chunk.length; i++) counts[chunk[i] as number]! += 1;
    this.total += chunk.length;
  }

  /** 0 for constant data, 8 for uniformly random bytes. */
  entropy(): number {
    if (this.total === 0) return 0;
    let bits = 0;
    for (const count of this.counts) {
      if (count === 0) continue;
      const p = count / this.total;
      bits -= p * Math.log2(p);
    }
    return bits;
  }
}
