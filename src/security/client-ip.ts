// Who is the client? The TCP peer, unless that peer is a trusted proxy, in which case the right-most
// X-Forwarded-For hop that is not itself a trusted proxy. Never "the left-most hop" (client-chosen),
// and never Fastify's trustProxy: true (anyone could claim any address). Parsing, normalising and
// range matching are ipaddr.js's; the policy (which hop, which group) is ours.
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * A strictly written address, or null. IPv4 must be four decimal parts: ipaddr.js (like inet_aton)
 * would also read "127.1" or "0x7f.0.0.1", spellings no proxy writes and a filter could miss.
 */
function parseStrict(text: string): Address | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return null;
}

/** An IPv4-mapped IPv6 address is that IPv4 address, so one client is not two. */
function unmapped(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

export class TrustedProxies {
  private readonly ranges: [Address, number][] = [];
  readonly empty: boolean;

  /** @example new TrustedProxies(['10.0.0.0/8', '::1/128']) */
  constructor(cidrs: readonly string[]) {
    this.empty = cidrs.length === 0;
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`not a CIDR: ${cidr}`);
      this.ranges.push([ipaddr.parse(parsed.address), parsed.prefix]);
    }
  }

  /** Whether a bare address (no port, no brackets) lies in one of the ranges. */
  has(address: string): boolean {
    if (this.empty) return false;
    const parsed = parseStrict(address.trim());
    if (!parsed) return false;
    const candidates = [parsed, unmapped(parsed)];
    return this.ranges.some(([network, prefix]) => candidates.some((candidate) => candidate.kind() === network.kind() && candidate.match(network, prefix)));
  }
}

export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const parts = cidr.trim().split('/');
  if (parts.length > 2) return null;
  const [addressText = '', prefixText] = parts;
  const address = parseStrict(addressText);
  if (!address) return null;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { address: address.toString(), prefix, family: address.kind() };
}

/**
 * One canonical spelling per address: "::ffff:192.0.2.1" -> "192.0.2.1", "[2001:DB8::A]" ->
 * "2001:db8::a" (RFC 5952). Anything that is not an address comes back trimmed and lower-cased.
 */
export function normalizeIp(address: string): string {
  const trimmed = address.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const parsed = parseStrict(trimmed);
  return parsed ? unmapped(parsed).toString() : trimmed;
}

/**
 * One X-Forwarded-For hop as proxies write it: an address, "[v6]", or either with a port
 * ("203.0.113.7:443", "[2001:db8::1]:443"). The port says nothing about who the client is.
 * @example forwardedHop('[::1]:80') === '::1'
 */
export function forwardedHop(hop: string): string | null {
  const text = hop.trim();
  let candidate = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const rest = text.slice(end + 1);
    if (end < 0 || (rest !== '' && !/^:\d{1,5}$/.test(rest))) return null;
    candidate = text.slice(1, end);
    port = rest.slice(1) || undefined;
  } else if (/^[\d.]+:\d{1,5}$/.test(text)) {
    [candidate = '', port] = text.split(':');
  }
  if (port !== undefined && Number(port) > 65_535) return null;
  const parsed = parseStrict(candidate);
  return parsed ? unmapped(parsed).toString() : null;
}

/**
 * The client address from the peer and X-Forwarded-For, walking right to left over trusted hops.
 * @example clientAddress('10.0.0.2', '198.51.100.9, 203.0.113.7', trusted(['10.0.0.0/8'])) === '203.0.113.7'
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trusted: TrustedProxies, peerIsTrusted: boolean): string {
  const address = normalizeIp(peer);
  if (!peerIsTrusted || !forwardedFor) return address;
  const hops = forwardedFor.split(',').map(forwardedHop);
  let candidate = address;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    // Garbage: stop at the last hop we could trust rather than believe anything left of it.
    if (hop === null || hop === undefined) break;
    candidate = hop;
    if (!trusted.has(hop)) break;
  }
  return candidate;
}

/**
 * The key an address is counted under: IPv4 as is, IPv6 by its /64 (one subscriber typically owns
 * a whole /64, so rotating addresses inside it must not reset limits).
 * @example addressGroup('2001:db8:1:2:aaaa::1') === '2001:db8:1:2::/64'
 */
export function addressGroup(address: string): string {
  const parsed = parseStrict(address.trim().toLowerCase());
  if (!parsed || parsed.kind() === 'ipv4') return address;
  const network = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...network, 0, 0, 0, 0]).toString()}/64`;
}
