// The security headers of the contract, on every response (errors and 404s included).
// Set by hand rather than with @fastify/helmet: the contract fixes exact values (e.g. the legacy
// X-XSS-Protection: 1; mode=block) that differ from helmet's defaults, and there is nothing else to gain.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientProtocol } from './client-info.js';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/** User content: additionally sandboxed, so even a misdetected page cannot run script or reach our origin. */
export const CONTENT_CSP = `${API_CSP}; sandbox`;

const FIXED: Readonly<Record<string, string>> = {
  // Caching proxies and browser caches must not keep capabilities (ids, keys) or burned content.
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
  // MIME sniffing would turn a text/plain paste back into HTML.
  'x-content-type-options': 'nosniff',
  // Clickjacking.
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  // Ids and keys in our URLs must not leak to other sites through Referer.
  'referrer-policy': 'no-referrer',
  'content-security-policy': API_CSP,
  // Another site embedding our content (<img>, <script>) could read it through side channels (Spectre, XS-Leaks).
  'cross-origin-resource-policy': 'same-origin',
};

/** SSL stripping: browsers that saw us once over TLS refuse plain HTTP afterwards. */
const HSTS = 'max-age=63072000; includeSubDomains';

/**
 * The one source of the security headers (lower-case names), for every response: Fastify replies and
 * the raw answers written to the socket for parser-level errors alike.
 * @example securityHeaders(false)['cross-origin-resource-policy'] === 'same-origin'
 */
export function securityHeaders(tls: boolean): Readonly<Record<string, string>> {
  return tls ? { ...FIXED, 'strict-transport-security': HSTS } : FIXED;
}

export function isTls(request: FastifyRequest): boolean {
  return clientProtocol(request) === 'https';
}

export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(securityHeaders(isTls(request)));
}
