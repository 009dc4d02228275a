// Absolute URLs in responses: from SEALBIN_PUBLIC_URL when set, else from the request's Host.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { clientHost, clientProtocol } from './client-info.js';

const HOST = /^(?:[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

export function baseUrl(config: Config, request: FastifyRequest): string {
  if (config.publicUrl) return `${config.publicUrl}${config.urlPrefix}`;
  // Host header injection: a Host that is not a plain host[:port] never reaches our URLs.
  const given = clientHost(request);
  const host = HOST.test(given) ? given : fallbackHost(config, request);
  return `${clientProtocol(request)}://${host}${config.urlPrefix}`;
}

/** The address this request actually reached (SEALBIN_PORT may be 0 = any free port). */
function fallbackHost(config: Config, request: FastifyRequest): string {
  const port = request.raw.socket.localPort ?? config.port;
  return `${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
}
