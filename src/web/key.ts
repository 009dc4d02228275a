// The end-to-end key comes from the URL fragment only: browsers never send the fragment to the
// server, so the key never reaches a request, a log or a Referer.
import { decodeKey, E2eFormatError } from '../crypto/e2e-format.js';

export type HashKey = { kind: 'none' } | { kind: 'key'; key: Uint8Array } | { kind: 'malformed'; message: string };

/**
 * The key in `location.hash` ("#" + 43 base64url characters), or why there is none.
 * @example keyFromHash('') → { kind: 'none' }
 */
export function keyFromHash(hash: string): HashKey {
  let text = hash.replace(/^#/, '');
  if (text === '') return { kind: 'none' };
  try {
    // Some mail clients and chat apps percent-encode the fragment; fpaste decodes it the same way.
    text = decodeURIComponent(text);
  } catch {
    return { kind: 'malformed', message: 'The key in this link is damaged (it is not valid percent-encoding).' };
  }
  try {
    return { kind: 'key', key: decodeKey(text) };
  } catch (error) {
    if (error instanceof E2eFormatError) return { kind: 'malformed', message: 'The key in this link is damaged: it must be 43 characters of letters, digits, "-" and "_". Copy the whole link again.' };
    throw error;
  }
}
