// Which answer a GET of a page route gets: the browser page or today's JSON/bytes (issue 14).
import Negotiator from 'negotiator';

const CANDIDATES = ['application/json', 'text/html'];

/**
 * True when the Accept header asks for HTML: text/html is listed by name (not only through `*\/*` or
 * `text/*`) and the header prefers it to application/json (quality, then specificity, then the
 * header's own order). `*\/*`, no Accept at all, or application/json keep today's answers, so curl,
 * fpaste and scripts never get a page they did not ask for. Parsing is negotiator's, not ours.
 * @example prefersPage('text/html,application/xhtml+xml,*\/*;q=0.8') === true
 */
export function prefersPage(accept: string | undefined): boolean {
  if (accept === undefined || accept.length > 4096) return false;
  const negotiator = new Negotiator({ headers: { accept } });
  if (negotiator.mediaType(CANDIDATES) !== 'text/html') return false;
  return negotiator.mediaTypes().some((type) => type.toLowerCase() === 'text/html');
}
