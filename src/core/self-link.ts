// Does a short-link target point back at this server's own short links? A link to a link makes
// redirect chains and loops, and the same place has many spellings: host case, a trailing dot,
// IPv4 in hex or decimal, IPv6 forms, localhost for a loopback listener, another scheme or port,
// percent-encoded paths (`/%73/ID` reaches `/s/ID`). So the comparison is between the parsed,
// normalised host and path and every name this server answers to, never between strings.

/** The names this server answers to, and where its short links live. */
export interface SelfNames {
  /** Host names or addresses, as configured or received (any case, ports and brackets allowed). */
  hosts: readonly string[];
  /** SEALBIN_URL_PREFIX: '' or e.g. '/paste'. */
  pathPrefix: string;
}

const MAPPED_V4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * Canonical form of a host: the WHATWG parser's (lower case, IPv4 in dotted decimal, IPv6
 * compressed), without brackets, trailing dots or a port; IPv4-mapped IPv6 becomes plain IPv4.
 * @example normaliseHost('[::FFFF:127.0.0.1]:8080') === '127.0.0.1'
 * @example normaliseHost('Paste.Example.') === 'paste.example'
 */
export function normaliseHost(authority: string): string {
  let host = authority.trim();
  // A bare IPv6 address (the listen address) has colons but no brackets: bracket it to parse it.
  if (host.includes(':') && !host.startsWith('[') && host.split(':').length > 2) host = `[${host}]`;
  try {
    host = new URL(`http://${host}/`).hostname;
  } catch {
    host = host.toLowerCase();
  }
  host = host.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  const mapped = MAPPED_V4.exec(host);
  if (mapped) {
    const [high, low] = [parseInt(mapped[1] as string, 16), parseInt(mapped[2] as string, 16)];
    host = `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return host;
}

/** Loopback names and addresses, and the unspecified ones (connecting to 0.0.0.0 reaches this host). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '0.0.0.0' || host === '::';
}

/** Percent-decodes ASCII escapes and resolves dot segments, until nothing changes (double encoding). */
function decodedPath(pathname: string): string {
  let path = pathname;
  for (let round = 0; round < 4; round++) {
    const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (escape: string, hex: string) => {
      const code = parseInt(hex, 16);
      return code < 0x80 ? String.fromCharCode(code) : escape;
    });
    const resolved = new URL(decoded, 'http://resolve.invalid').pathname;
    if (resolved === path) return path;
    path = resolved;
  }
  return path;
}

/**
 * True when `url` reaches one of this server's short links under any spelling. Loopback names
 * count as ours when the server answers to any loopback or unspecified address (a listener on
 * 127.0.0.1 or 0.0.0.0 is reached as localhost, [::1], 127.1 ...).
 * @example pointsAtOwnShortLink(new URL('http://LOCALHOST./%73/abcdEFGH'), { hosts: ['127.0.0.1'], pathPrefix: '' }) === true
 */
export function pointsAtOwnShortLink(url: URL, self: SelfNames): boolean {
  const own = new Set(self.hosts.filter((name) => name !== '').map(normaliseHost));
  if (own.size === 0) return false;
  const host = normaliseHost(url.hostname);
  const ours = own.has(host) || (isLoopbackHost(host) && [...own].some(isLoopbackHost));
  if (!ours) return false;
  // Only paths that reach GET /s/{id}: `//s/ID` and `/S/ID` answer 404 and need no refusal.
  return decodedPath(url.pathname).startsWith(`${self.pathPrefix}/s/`);
}
