// Identity from client certificates: from our own TLS socket, or, only when SEALBIN_PROXY_SECRET is
// set, from a trusted reverse proxy's X-SSL-Client-Cert (URL-escaped PEM) / X-SSL-Client-SHA1.
// Checked on every request, so a revocation applies to the next request even on a kept-alive connection.
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import type { PkiService } from '../core/pki-service.js';
import { pemToDer } from '../crypto/x509/fingerprint.js';
import type { RequestStep } from './request-pass.js';

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
  }
}

function peerCertificate(request: FastifyRequest): Buffer | null {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return null;
  const cert = socket.getPeerCertificate();
  return cert && Buffer.isBuffer(cert.raw) && cert.raw.length > 0 ? cert.raw : null;
}

function proxiedCertificate(request: FastifyRequest): Buffer | null {
  const header = request.headers['x-ssl-client-cert'];
  if (typeof header !== 'string' || header.trim() === '') return null;
  let der: Buffer | null;
  try {
    der = pemToDer(decodeURIComponent(header));
  } catch {
    der = null; // malformed percent-encoding
  }
  // Whatever the bytes are, PkiService parses and verifies them; here only the PEM wrapping is removed.
  if (!der) throw new AppError('CERT_UNTRUSTED', 'The forwarded client certificate could not be parsed.');
  return der;
}

export async function resolveIdentity(request: FastifyRequest, pki: PkiService): Promise<Identity | null> {
  const direct = peerCertificate(request);
  if (direct) return pki.identify(direct);
  // Header spoofing and impersonation by a public certificate: certificate headers count only from a
  // trusted proxy that knew SEALBIN_PROXY_SECRET (client-info decides that).
  if (!request.client.certificateHeadersTrusted) return null;
  const forwarded = proxiedCertificate(request);
  if (forwarded) return pki.identify(forwarded);
  const sha1 = request.headers['x-ssl-client-sha1'];
  if (typeof sha1 === 'string' && sha1.trim() !== '') return pki.identifyBySha1(sha1.trim().toLowerCase().replace(/:/g, ''));
  return null;
}

export function identityStep(app: FastifyInstance, pki: PkiService): RequestStep {
  app.decorateRequest('identity', null);
  // A presented certificate that fails its checks is refused (401), never downgraded to anonymous.
  return (request) => {
    // Plain HTTP from a client whose certificate headers we would not believe: anonymous, nothing to look up.
    if (typeof (request.raw.socket as Partial<TLSSocket>).getPeerCertificate !== 'function' && !request.client.certificateHeadersTrusted) {
      request.identity = null;
      return undefined;
    }
    return resolveIdentity(request, pki).then((identity) => {
      request.identity = identity;
      return undefined;
    });
  };
}

export function requireIdentity(request: FastifyRequest): Identity {
  if (!request.identity) throw new AppError('AUTH_REQUIRED', 'This needs a client certificate.');
  return request.identity;
}

export function requireAdmin(request: FastifyRequest): Identity {
  const identity = requireIdentity(request);
  if (!identity.admin) throw new AppError('FORBIDDEN', 'This needs an admin certificate.');
  return identity;
}

/** The audit log's name for whoever acts. */
export function actorOf(request: FastifyRequest): string {
  return request.identity?.owner ?? (isDirectLoopback(request) ? 'loopback' : 'anonymous');
}

const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto', 'x-ssl-client-cert', 'x-ssl-client-sha1', 'x-proxy-secret'];

/**
 * A request typed on this machine, not relayed by a proxy. A reverse proxy on the same host makes
 * every internet request come from loopback, so any sign of forwarding disqualifies it (the nginx
 * example always sets X-Forwarded-For; bootstrap the CA before exposing a proxy that does not).
 */
export function isDirectLoopback(request: FastifyRequest): boolean {
  const peer = request.raw.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || /^(::ffff:)?127\./.test(peer);
  return loopback && FORWARDING_HEADERS.every((name) => request.headers[name] === undefined);
}
