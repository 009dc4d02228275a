// Per-request facts about the client, computed once in the first hook: its address (and the group
// it is counted under), and whether it came through a trusted proxy whose headers we may believe.
import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { addressGroup, clientAddress, normalizeIp } from '../security/client-ip.js';
import type { TrustedProxies } from '../security/client-ip.js';
import type { RequestStep } from './request-pass.js';

export interface ClientInfo {
  /** The client's address as far as we can trust it. */
  ip: string;
  /** What limits count by: the address, or its /64 for IPv6. */
  group: string;
  /** The peer is a trusted proxy (and knew the proxy secret, if one is set). */
  viaTrustedProxy: boolean;
  /** Client-certificate headers may be believed: a trusted proxy that knew SEALBIN_PROXY_SECRET. */
  certificateHeadersTrusted: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    client: ClientInfo;
  }
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Proxy headers from a peer that knows the shared secret only; compared in constant time (timing attack). */
function secretMatches(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The first step of every request. A peer that is not a trusted proxy sends no header we believe,
 * so its facts are the same for every request of its connection: worked out once per socket.
 */
export function clientInfoStep(app: FastifyInstance, config: Config, trusted: TrustedProxies): RequestStep {
  app.decorateRequest('client', null as unknown as ClientInfo);
  const direct = new WeakMap<Socket, ClientInfo>();
  return (request) => {
    const socket = request.raw.socket;
    const known = direct.get(socket);
    if (known !== undefined) {
      request.client = known;
      return undefined;
    }
    const peer = normalizeIp(socket.remoteAddress ?? '');
    // Spoofing: X-Forwarded-* from anyone but a configured proxy is ignored entirely.
    const viaTrustedProxy = trusted.has(peer) && (config.proxySecret === undefined || secretMatches(headerValue(request, 'x-proxy-secret'), config.proxySecret));
    const ip = clientAddress(peer, headerValue(request, 'x-forwarded-for'), trusted, viaTrustedProxy);
    // Impersonation: a certificate (and so its SHA-1) is public, and a proxy that passes the client's own
    // X-SSL-Client-* through would let anyone claim an admin's; only a proxy proven by the secret,
    // configured to overwrite those headers, is believed about certificates.
    const certificateHeadersTrusted = viaTrustedProxy && config.proxySecret !== undefined;
    request.client = Object.freeze({ ip, group: addressGroup(ip), viaTrustedProxy, certificateHeadersTrusted });
    if (!trusted.has(peer)) direct.set(socket, request.client);
    return undefined;
  };
}

/**
 * The start-up warning for trusted proxies without SEALBIN_PROXY_SECRET (their certificate headers are
 * ignored), or null when there is nothing to warn about.
 */
export function proxyTrustWarning(config: Pick<Config, 'trustedProxies' | 'proxySecret'>): string | null {
  if (config.trustedProxies.length === 0 || config.proxySecret !== undefined) return null;
  return 'SEALBIN_TRUSTED_PROXIES is set without SEALBIN_PROXY_SECRET: X-SSL-Client-Cert and X-SSL-Client-SHA1 from proxies are ignored (no client-certificate identities through a proxy); X-Forwarded-For, -Proto and -Host are still believed';
}

/** The scheme the client used: X-Forwarded-Proto counts only from a trusted proxy. */
export function clientProtocol(request: FastifyRequest): 'http' | 'https' {
  if (request.client?.viaTrustedProxy) {
    const forwarded = headerValue(request, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
    if (forwarded === 'https' || forwarded === 'http') return forwarded;
  }
  return request.protocol === 'https' ? 'https' : 'http';
}

/** The host the client used: X-Forwarded-Host counts only from a trusted proxy. */
export function clientHost(request: FastifyRequest): string {
  if (request.client?.viaTrustedProxy) {
    const forwarded = headerValue(request, 'x-forwarded-host')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return request.host;
}
