// Which view a path asks for. The server serves the page shell at exactly these paths (below the URL
// prefix, given by the shell's sealbin-base meta tag); anything else is not a page of ours.

export type Route = { view: 'create' } | { view: 'paste'; id: string } | { view: 'share'; phrase: string } | { view: 'unknown' };

const PASTE = /^\/([0-9a-f]{32})$/;
const SHARE = /^\/download\/([a-z-]{11,197})$/;

/** Six lowercase words joined by "-", as the server's diceware keys (split, not a backtracking pattern). */
function isPhrase(text: string): boolean {
  const words = text.split('-');
  return words.length === 6 && words.every((word) => /^[a-z]{1,32}$/.test(word));
}

/**
 * The view for `pathname` below the prefix `base` ("" or "/paste"; a trailing "/" is ignored).
 * @example routeFor('/paste/download/a-b-c-d-e-f', '/paste') → { view: 'share', phrase: 'a-b-c-d-e-f' }
 */
export function routeFor(pathname: string, base: string): Route {
  const prefix = base.replace(/\/+$/, '');
  if (prefix !== '' && pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return { view: 'unknown' };
  const rest = pathname.slice(prefix.length);
  if (rest === '' || rest === '/') return { view: 'create' };
  const paste = PASTE.exec(rest);
  if (paste) return { view: 'paste', id: paste[1] as string };
  const share = SHARE.exec(rest);
  if (share && isPhrase(share[1] as string)) return { view: 'share', phrase: share[1] as string };
  return { view: 'unknown' };
}
