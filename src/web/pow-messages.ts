// What the page and its proof-of-work workers say to each other.

/** Search blocks index, index + stride, … of `block` candidates each, up to `max`. */
export interface PowJob {
  prefix: Uint8Array;
  difficulty: number;
  index: number;
  stride: number;
  block: number;
  max: number;
}

/**
 * `started` once the script runs; then after each block the hashes tried and the solution (found ≥ 0)
 * or -1; `exhausted` when no candidates are left.
 */
export type PowReport = { started: true } | { tried: number; found: number } | { tried: 0; exhausted: true };

