// An injected Clock for tests about windows, blocks, expiry and decay: time moves only when told.
import type { Clock } from '../../src/core/clock.js';

/** A round start time (a multiple of 60, 3600 and 86400 seconds), so fixed windows begin at it. */
export const T0 = 1_800_403_200;

export interface FakeClock extends Clock {
  /** Moves time forward by whole seconds. */
  advance(seconds: number): void;
  set(time: number): void;
}

export function fakeClock(start = T0): FakeClock {
  let t = start;
  return {
    now: () => t,
    advance: (seconds) => {
      t += seconds;
    },
    set: (time) => {
      t = time;
    },
  };
}
