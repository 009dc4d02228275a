// Who the client is: parseCidr, normalizeIp, clientAddress (right-most untrusted X-Forwarded-For hop,
// only from trusted peers) and addressGroup (IPv6 by /64), including compressed and embedded-IPv4
// forms. The attacks: xff-spoofing and ipv6-rotation-in-64.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressGroup, clientAddress, normalizeIp, parseCidr, TrustedProxies } from '../../../src/security/client-ip.js';

const PROXIES = new TrustedProxies(['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8']);

/** IPv4 addresses outside the trusted ranges above. */
const untrustedV4 = fc.ipV4().filter((ip) => !ip.startsWith('10.') && ip !== '127.0.0.1');
const hextet = fc.integer({ min: 0, max: 0xffff });
const hextets = fc.array(hextet, { minLength: 8, maxLength: 8 });

function full(parts: readonly number[]): string {
  return parts.map((h) => h.toString(16).padStart(4, '0')).join(':');
}
/** The canonical compressed form (RFC 5952), as the WHATWG URL parser writes it. */
function compressed(parts: readonly number[]): string {
  return new URL(`http://[${full(parts)}]/`).hostname.slice(1, -1);
}
/** The last 32 bits as dotted IPv4 ("2001:db8:0:0:0:0:192.0.2.1"). */
function embedded(parts: readonly number[]): string {
  const [g = 0, h = 0] = parts.slice(6);
  return `${parts
    .slice(0, 6)
    .map((x) => x.toString(16))
    .join(':')}:${g >> 8}.${g & 0xff}.${h >> 8}.${h & 0xff}`;
}

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['127.0.0.1', { address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 'ipv4' }],
    ['192.0.2.1/32', { address: '192.0.2.1', prefix: 32, family: 'ipv4' }],
    ['::1/128', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['::/0', { address: '::', prefix: 0, family: 'ipv6' }],
    ['  10.1.0.0/16  ', { address: '10.1.0.0', prefix: 16, family: 'ipv4' }],
  ])('parses %j', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it.each([['10.0.0.0/33'], ['::1/129'], ['10.0.0.0/-1'], ['10.0.0.0/'], ['10.0.0.0/x'], ['10.0.0.0/8.5'], ['10.0.0.0/1000'], ['10.0.0/8'], ['256.0.0.0/8'], ['example.com/8'], [''], ['/8'], ['2001:db8::g/64'], ['10.0.0.0 /8']])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeNull();
  });

  it('refuses trailing garbage after the prefix ("10.0.0.0/8/16" is not a CIDR)', () => {
    expect(parseCidr('10.0.0.0/8/16')).toBeNull();
    expect(parseCidr('::1/128/7')).toBeNull();
  });
});

describe('TrustedProxies', () => {
  it('matches addresses inside the configured ranges, of both families', () => {
    expect(PROXIES.has('127.0.0.1')).toBe(true);
    expect(PROXIES.has('10.200.3.4')).toBe(true);
    expect(PROXIES.has('fd12:3456::1')).toBe(true);
    expect(PROXIES.has('127.0.0.2')).toBe(false);
    expect(PROXIES.has('11.0.0.1')).toBe(false);
    expect(PROXIES.has('2001:db8::1')).toBe(false);
  });

  it('treats garbage and empty strings as untrusted, and an empty list trusts nobody', () => {
    expect(PROXIES.has('')).toBe(false);
    expect(PROXIES.has('not-an-ip')).toBe(false);
    expect(PROXIES.has('10.0.0.1:80')).toBe(false);
    const none = new TrustedProxies([]);
    expect(none.empty).toBe(true);
    expect(none.has('127.0.0.1')).toBe(false);
  });

  it('refuses to be built from something that is not a CIDR', () => {
    expect(() => new TrustedProxies(['10.0.0.0/40'])).toThrow(/CIDR/);
  });
});

describe('normalizeIp', () => {
  it.each([
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:DB8::A', '2001:db8::a'],
    ['  198.51.100.7 ', '198.51.100.7'],
    ['198.51.100.7', '198.51.100.7'],
    ['::1', '::1'],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });

  it('maps every IPv4-mapped IPv6 address in dotted form to its IPv4 (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.boolean(), (ip, upper) => {
        expect(normalizeIp(`${upper ? '::FFFF:' : '::ffff:'}${ip}`)).toBe(ip);
      }),
    );
  });

  it('maps the other spellings of an IPv4-mapped address (hex tail, uncompressed) to the IPv4 too', () => {
    // ::ffff:c000:201 and 0:0:0:0:0:ffff:192.0.2.1 are the same address as ::ffff:192.0.2.1.
    expect(normalizeIp('::ffff:c000:201')).toBe('192.0.2.1');
    expect(normalizeIp('0:0:0:0:0:ffff:192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('clientAddress (xff-spoofing)', () => {
  it('ignores X-Forwarded-For entirely from a peer that is not a trusted proxy (property)', () => {
    fc.assert(
      fc.property(untrustedV4, fc.string(), (peer, forwarded) => {
        expect(clientAddress(peer, forwarded, PROXIES, false)).toBe(peer);
      }),
    );
  });

  it('normalises the peer itself: an IPv4-mapped peer is its IPv4', () => {
    expect(clientAddress('::ffff:198.51.100.7', '1.2.3.4', PROXIES, false)).toBe('198.51.100.7');
  });

  it('uses the peer when a trusted proxy sends no or an empty X-Forwarded-For', () => {
    expect(clientAddress('10.0.0.2', undefined, PROXIES, true)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '', PROXIES, true)).toBe('10.0.0.2');
  });

  it('takes the right-most hop that is not a trusted proxy', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.9, 203.0.113.7', PROXIES, true)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '203.0.113.7, 10.1.1.1, 10.2.2.2', PROXIES, true)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '203.0.113.7,10.1.1.1', PROXIES, true)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '2001:db8::5, fd00::1', PROXIES, true)).toBe('2001:db8::5');
  });

  it('never lets client-chosen hops to the left of the real client matter (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), { maxLength: 6 }), untrustedV4, fc.array(fc.constantFrom('10.0.0.1', '10.9.8.7', '127.0.0.1', 'fd00::2'), { maxLength: 3 }), (spoofed, client, proxies) => {
        const header = [...spoofed, client, ...proxies].join(', ');
        expect(clientAddress('127.0.0.1', header, PROXIES, true)).toBe(client);
      }),
    );
  });

  it('when every hop is a trusted proxy, the left-most one is the client', () => {
    expect(clientAddress('127.0.0.1', '10.0.0.9, 10.0.0.8', PROXIES, true)).toBe('10.0.0.9');
  });

  it('stops at a hop that is not an address, without going past it', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.7, garbage', PROXIES, true)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '203.0.113.7, garbage, 10.0.0.5', PROXIES, true)).toBe('10.0.0.5');
  });

  it('parses hops with ports, as some proxies write them, instead of charging the proxy (xff-port)', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.7, 198.51.100.1:443', PROXIES, true)).toBe('198.51.100.1');
    expect(clientAddress('127.0.0.1', '1.2.3.4:80', PROXIES, true)).toBe('1.2.3.4');
    expect(clientAddress('127.0.0.1', '[2001:db8::7]:80', PROXIES, true)).toBe('2001:db8::7');
    expect(clientAddress('127.0.0.1', '[::1]:80', PROXIES, true)).toBe('::1');
    expect(clientAddress('127.0.0.1', '203.0.113.7, 10.0.0.5:8080', PROXIES, true)).toBe('203.0.113.7');
    // A port on a bare IPv6 address cannot be told from the address: not a hop we can read.
    expect(clientAddress('127.0.0.1', '2001:db8::7:80:99999', PROXIES, true)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '1.2.3.4:99999', PROXIES, true)).toBe('127.0.0.1');
  });

  it('refuses the inet_aton spellings a proxy never writes (127.1, 0x7f.0.0.1, 1.2.3.04 octal-looking)', () => {
    for (const odd of ['127.1', '0x7f.0.0.1', '2130706433']) expect(clientAddress('127.0.0.1', odd, PROXIES, true)).toBe('127.0.0.1');
  });

  it('normalises hops: an IPv4-mapped hop is its IPv4, brackets and spaces are dropped', () => {
    expect(clientAddress('127.0.0.1', '::ffff:203.0.113.7', PROXIES, true)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '1.1.1.1,   [2001:DB8::7]  ', PROXIES, true)).toBe('2001:db8::7');
    expect(clientAddress('127.0.0.1', '203.0.113.7, ::ffff:10.0.0.3', PROXIES, true)).toBe('203.0.113.7');
  });
});

describe('addressGroup (ipv6-rotation-in-64)', () => {
  it('keeps IPv4 addresses as they are', () => {
    expect(addressGroup('198.51.100.7')).toBe('198.51.100.7');
    expect(addressGroup('198.51.100.8')).not.toBe(addressGroup('198.51.100.7'));
  });

  it('groups IPv6 by /64 (the documented example)', () => {
    expect(addressGroup('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
  });

  it('gives one group to every spelling of one /64: compressed, uncompressed, zero-padded, upper case, embedded IPv4', () => {
    const spellings = ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:ffff::', '2001:DB8:0:0:1:2:3:4', '2001:db8::192.0.2.1', '2001:db8:0:0:0:0:1.2.3.4', '2001:0DB8::'];
    const groups = new Set(spellings.map(addressGroup));
    expect(groups.size).toBe(1);
    expect(addressGroup('2001:db8:0:1::1')).not.toBe(addressGroup('2001:db8::1'));
  });

  it('handles the short forms ::, ::1, 1:: and embedded IPv4 tails', () => {
    expect(addressGroup('::')).toBe(addressGroup('0:0:0:0:ffff::1'));
    expect(addressGroup('::1')).toBe(addressGroup('::'));
    expect(addressGroup('1::')).toBe(addressGroup('1:0:0:0:1::'));
    expect(addressGroup('64:ff9b::192.0.2.1')).toBe(addressGroup('64:ff9b::c633:6407'));
    expect(addressGroup('2001:db8:1:2::1.2.3.4')).toBe('2001:db8:1:2::/64');
  });

  it('rotating the interface id (last 64 bits) never changes the group, in any spelling (property)', () => {
    fc.assert(
      fc.property(hextets, hextets, (a, b) => {
        const rotated = [...a.slice(0, 4), ...b.slice(4)];
        const group = addressGroup(full(a));
        expect(addressGroup(compressed(rotated))).toBe(group);
        expect(addressGroup(full(rotated))).toBe(group);
        expect(addressGroup(embedded(rotated))).toBe(group);
        expect(addressGroup(compressed(a).toUpperCase())).toBe(group);
      }),
      { numRuns: 300 },
    );
  });

  it('addresses in different /64s are in different groups (property)', () => {
    fc.assert(
      fc.property(hextets, hextets, (a, b) => {
        fc.pre(full(a.slice(0, 4)) !== full(b.slice(0, 4)));
        expect(addressGroup(compressed(a))).not.toBe(addressGroup(compressed(b)));
      }),
      { numRuns: 300 },
    );
  });

  it('an IPv4-mapped address, once normalised, is counted as the IPv4', () => {
    expect(addressGroup(normalizeIp('::ffff:198.51.100.7'))).toBe(addressGroup('198.51.100.7'));
    expect(addressGroup(normalizeIp('::ffff:198.51.100.7'))).not.toBe(addressGroup(normalizeIp('::ffff:198.51.100.8')));
  });
});
