// Absolute URLs in responses: from SEALBIN_PUBLIC_URL when set, else from the request's Host.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { clientHost, clientProtocol } from './client-info.js';

/** The last Host checked and its verdict: a pure function of the string, asked with the same one on every request. */
let lastHost = '';
let lastPlain = false;

/** A plain host[:port] (DNS name, IPv4, or [IPv6]); checked piecewise, without nested quantifiers (ReDoS). */
export function isPlainHost(value: string): boolean {
  if (value !== lastHost) {
    lastPlain = checkHost(value);
    lastHost = value;
  }
  return lastPlain;
}

function checkHost(value: string): boolean {
  if (value.length === 0 || value.length > 300) return false;
  const bracketed = value.startsWith('[');
  const end = bracketed ? value.indexOf(']') + 1 : value.lastIndexOf(':') === -1 ? value.length : value.lastIndexOf(':');
  if (end <= 0) return false;
  const name = value.slice(0, end);
  const port = value.slice(end);
  if (port !== '' && !/^:[0-9]{1,5}$/.test(port)) return false;
  if (bracketed) return /^\[[0-9A-Fa-f:.]{2,45}\]$/.test(name);
  return name.split('.').every((label) => /^[A-Za-z0-9-]{1,63}$/.test(label));
}

export function baseUrl(config: Config, request: FastifyRequest): string {
  if (config.publicUrl) return `${config.publicUrl}${config.urlPrefix}`;
  // Host header injection: a Host that is not a plain host[:port] never reaches our URLs.
  const given = clientHost(request);
  const host = isPlainHost(given) ? given : fallbackHost(config, request);
  return `${clientProtocol(request)}://${host}${config.urlPrefix}`;
}

/** The address this request actually reached (SEALBIN_PORT may be 0 = any free port). */
function fallbackHost(config: Config, request: FastifyRequest): string {
  const port = request.raw.socket.localPort ?? config.port;
  return `${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
}
