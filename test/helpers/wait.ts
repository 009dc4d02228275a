// Waiting in tests: for a condition with a deadline, never for a fixed time. A fixed sleep is either
// too short on a busy 2-core machine (flaky) or wastes time everywhere else.

/** Resolves after `ms`. Only for pacing (between polls, slow senders), never as the wait itself. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** Give up after this long (default 10 s: generous for a loaded machine). */
  timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  intervalMs?: number;
}

/**
 * Probes until `check` returns a truthy value and returns it; throws naming `what` at the deadline.
 * @example const line = await waitFor(() => server.logLines().find((l) => l.msg === 'request'), 'the access log line');
 */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${what}`);
    await sleep(options.intervalMs ?? 50);
  }
}

/** Whole Unix seconds, as the server's clock counts them. */
export const unixSeconds = (): number => Math.floor(Date.now() / 1000);
