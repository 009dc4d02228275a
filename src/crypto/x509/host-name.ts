// Which names a server certificate may carry. Apart from the certificate code so that checking the
// arguments of `sealbin issue-server-cert` (imported by the entry point) does not load the X.509
// libraries into every server process.
import { isIP } from 'node:net';

/** One DNS label: letters, digits and inner hyphens, at most 63 characters. */
const LABEL = /^[a-z0-9-]{1,63}$/i;

/** A DNS name (optionally one leading wildcard label); no ports, paths, spaces or empty labels. */
function isDnsName(host: string): boolean {
  const labels = host.split('.');
  if (labels[0] === '*' && labels.length > 1) labels.shift();
  return host.length <= 253 && labels.every((label) => LABEL.test(label) && !label.startsWith('-') && !label.endsWith('-'));
}

/** Throws on a host that is neither an IP address nor a DNS name (e.g. "localhost:8443", "https://x"). */
export function checkHostName(host: string): 'ip' | 'dns' {
  if (isIP(host) !== 0) return 'ip';
  if (isDnsName(host)) return 'dns';
  throw new Error(`"${host}" is not a host name or IP address (give names without scheme or port)`);
}
