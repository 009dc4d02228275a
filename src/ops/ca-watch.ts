// Several instances share one PKI store, but each TLS listener advertises the CA list it was built
// with. Until a CA exists, each instance looks for one on a short poll, so a CA created through
// another instance is advertised here within one interval (browsers offer a client certificate only
// for an advertised CA). Once found it never changes (one CA, never replaced), and polling stops.

/** How often an instance without a CA looks for one made elsewhere. */
export const CA_POLL_MS = 5_000;

export interface CaWatch {
  stop(): void;
}

/**
 * Calls `found` once when `exists` first answers true, polling every `intervalMs` until then.
 * @example const watch = watchForCa(() => pki.caExists(), refreshTls, 5000, logError)
 */
export function watchForCa(exists: () => Promise<boolean>, found: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): CaWatch {
  let busy = false;
  let done = false;
  const timer = setInterval(() => {
    if (busy || done) return;
    busy = true;
    exists()
      .then(async (yes) => {
        if (!yes || done) return;
        done = true;
        clearInterval(timer);
        await found();
      })
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  // The poll never keeps a stopping process alive.
  timer.unref();
  return {
    stop: () => {
      done = true;
      clearInterval(timer);
    },
  };
}
