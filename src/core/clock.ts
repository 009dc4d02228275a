/** The time port: injected so that expiry and windows are tested without sleeping. */
export interface Clock {
  /** Current Unix time in whole seconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };
