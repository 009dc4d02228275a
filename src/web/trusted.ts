// Trusted Types: the page's CSP says `require-trusted-types-for 'script'; trusted-types sealbin`, so
// the only script URL this page can ever create is the proof-of-work worker's, through this policy.

interface ScriptUrlPolicy {
  createScriptURL(url: string): unknown;
}

interface TrustedTypesFactory {
  createPolicy(name: string, rules: { createScriptURL: (url: string) => string }): ScriptUrlPolicy;
}

let policy: ScriptUrlPolicy | null = null;
let allowed = '';

/**
 * The worker URL as a TrustedScriptURL (or the plain string in browsers without Trusted Types). The
 * policy `sealbin` is created once and passes exactly the URL of the sealbin-worker meta tag.
 */
export function workerScriptUrl(url: string): string {
  const factory = (globalThis as { trustedTypes?: TrustedTypesFactory }).trustedTypes;
  if (!factory) return url;
  if (policy === null) {
    allowed = url;
    // Script injection: any other URL, e.g. one built from page content, is refused outright.
    policy = factory.createPolicy('sealbin', {
      createScriptURL: (candidate) => {
        if (candidate !== allowed) throw new TypeError('the sealbin policy only allows the proof-of-work worker');
        return candidate;
      },
    });
  }
  return policy.createScriptURL(url) as string;
}
