// Who is the client? The TCP peer, unless that peer is a trusted proxy, in which case the right-most
// X-Forwarded-For hop that is not itself a trusted proxy. Never "the left-most hop" (client-chosen),
// and never Fastify's trustProxy: true (anyone could claim any address).
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** @example new TrustedProxies(['10.0.0.0/8', '::1/128']) */
  constructor(cidrs: readonly string[]) {
    this.empty = cidrs.length === 0;
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`not a CIDR: ${cidr}`);
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  has(address: string): boolean {
    if (this.empty) return false;
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const parts = cidr.trim().split('/');
  if (parts.length > 2) return null;
  const [address = '', prefixText] = parts;
  const family = isIP(address);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** "::ffff:192.0.2.1" -> "192.0.2.1", so one client is not two (IPv4 and mapped IPv6). */
export function normalizeIp(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(trimmed) !== 6) return trimmed;
  // Any spelling of ::ffff:a.b.c.d (dotted, hex tail, uncompressed) is that IPv4 address.
  const hextets = expandIpv6(trimmed);
  if (hextets.slice(0, 5).every((h) => h === '0000') && hextets[5] === 'ffff') {
    const high = parseInt(hextets[6] as string, 16);
    const low = parseInt(hextets[7] as string, 16);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return trimmed;
}

/**
 * The client address from the peer and X-Forwarded-For, walking right to left over trusted hops.
 * @example clientAddress('10.0.0.2', '198.51.100.9, 203.0.113.7', trusted(['10.0.0.0/8'])) === '203.0.113.7'
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trusted: TrustedProxies, peerIsTrusted: boolean): string {
  const address = normalizeIp(peer);
  if (!peerIsTrusted || !forwardedFor) return address;
  const hops = forwardedFor.split(',').map(normalizeIp);
  let candidate = address;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) break; // garbage: stop at the last hop we could trust
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
  if (isIP(address) !== 6) return address;
  const hextets = expandIpv6(address);
  return `${hextets.slice(0, 4).map((h) => h.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::a.b.c.d) becomes two hextets.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((h) => h.padStart(4, '0'));
}
