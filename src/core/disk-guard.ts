// The free-space floor (SEALBIN_MIN_FREE_BYTES): creations are refused with 507 while the disk
// holding the data is nearly full, so that what is left stays for the work that frees space
// (deletes, expiry) and for SQLite's journal, which needs room even to commit a delete.
import { AppError } from './errors.js';

/** Free bytes measured per storage location ("data", and "blobs" when elsewhere), e.g. by statfs. */
export interface DiskProbe {
  measure(): Promise<Readonly<Record<string, number>>>;
}

export interface DiskState {
  /** The smallest free space of all locations: a write fails on whichever fills first. */
  free: number;
  perLocation: Readonly<Record<string, number>>;
  /** SEALBIN_MIN_FREE_BYTES; 0 = no floor. */
  floor: number;
  /** Below the floor, or out of space altogether. */
  low: boolean;
}

/** statfs is cheap but not free: one measurement serves every request within this window. */
export const DISK_CACHE_MS = 1000;
/** Retry-After of a creation refused for space: freeing it takes an operator or an expiry run. */
export const DISK_RETRY_AFTER = 60;
/** Free space above the floor that counts as "back" after a write failed for space. */
export const SPACE_BACK_BYTES = 8 * 1024 * 1024;

/**
 * Whether `free` bytes are too few: under the floor once `incoming` bytes (a declared body size)
 * are written, or none at all, which fails every write whatever the floor says.
 * @example isLow(300e6, 256e6) === false; isLow(300e6, 256e6, 100e6) === true; isLow(0, 0) === true
 */
export function isLow(free: number, floor: number, incoming = 0): boolean {
  if (free <= 0) return true;
  return free - incoming < floor;
}

/** Whether a measurement shows room again: a write that failed for space before it is outlived. */
export function spaceIsBack(state: DiskState): boolean {
  return state.free - state.floor >= SPACE_BACK_BYTES;
}

export class DiskGuard {
  private cached: { state: DiskState; atMs: number } | null = null;
  private measuring: Promise<DiskState> | null = null;

  constructor(
    private readonly probe: DiskProbe,
    readonly floor: number,
    private readonly nowMs: () => number = () => performance.now(),
    /** Told after each fresh measurement (e.g. to re-create the space reserve once there is room). */
    private readonly onMeasured: (state: DiskState) => void = () => {},
  ) {}

  /** The disk's state, measured at most once per DISK_CACHE_MS; concurrent callers share one measurement. */
  async state(): Promise<DiskState> {
    if (this.cached && this.nowMs() - this.cached.atMs < DISK_CACHE_MS) return this.cached.state;
    this.measuring ??= this.measure().finally(() => {
      this.measuring = null;
    });
    return this.measuring;
  }

  private async measure(): Promise<DiskState> {
    const perLocation = await this.probe.measure();
    const free = Math.min(...Object.values(perLocation));
    const state: DiskState = { free, perLocation, floor: this.floor, low: isLow(free, this.floor) };
    this.cached = { state, atMs: this.nowMs() };
    this.onMeasured(state);
    return state;
  }

  /**
   * Refuses a creation (507 INSUFFICIENT_STORAGE) when the disk is below the floor, or would be
   * once the `incoming` bytes the client declared are stored.
   */
  async admit(incoming = 0): Promise<void> {
    const state = await this.state();
    if (isLow(state.free, this.floor, incoming)) throw new AppError('INSUFFICIENT_STORAGE', undefined, { retry_after: DISK_RETRY_AFTER });
  }
}
