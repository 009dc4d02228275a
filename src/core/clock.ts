/** The time port: injected so that expiry and windows are tested without sleeping. */
export interface Clock {
  /** Current Unix time in whole seconds. */
  now(): number;
  /** Current Unix time in seconds with its fraction, where the clock knows it. */
  precise?(): number;
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000), precise: () => Date.now() / 1000 };

/**
 * The second an expiry counts from: the current time rounded up, so that an item whose lifetime
 * ends at `start + seconds` (live while the whole-second clock reads less than that) never lives
 * shorter than asked. Floored, `X-Expiry: 1` sent at hh:mm:ss.97 would live 30 ms.
 */
export function lifetimeStart(clock: Clock): number {
  return Math.ceil(clock.precise?.() ?? clock.now());
}
