// One clear sentence for every way opening or creating an item can fail. Pure: unit-tested.
import { E2eFormatError } from '../crypto/e2e-format.js';
import { ApiError, NetworkError } from './api.js';

export const NO_KEY = 'This item is end-to-end encrypted, but the link has no key (the part after "#"), so it cannot be decrypted. Ask the sender for the complete link.';
export const NOT_FOUND = 'Not found: this item has expired, was deleted, or was already read (burn after reading).';
export const KEY_ON_PLAIN = 'The link carries a key, but the server sent content that is not end-to-end encrypted, so it cannot be verified and is not shown.';

/** What went wrong, for the page's #error. `burned`: the read that failed destroyed the item. */
export function describeFailure(error: unknown, options: { burned?: boolean } = {}): string {
  const sentence = baseSentence(error);
  return options.burned ? `${sentence} It was a burn-after-read item, and this attempt has destroyed it on the server.` : sentence;
}

function baseSentence(error: unknown): string {
  if (error instanceof E2eFormatError) {
    switch (error.reason) {
      case 'auth':
        return error.chunk === 0 || error.chunk === undefined ? 'Decryption failed: the key in the link is wrong, or the content was altered. Nothing is shown.' : 'Decryption failed part-way: the content was altered or cut off. Nothing is shown.';
      case 'truncated':
        return 'The encrypted content is incomplete (cut off). Nothing is shown.';
      case 'not-e2e':
        return KEY_ON_PLAIN;
      case 'key':
        return 'The key in this link is damaged. Copy the whole link again.';
      case 'version':
      case 'header':
        return 'This item uses an encryption format this page does not know (a newer version may be needed).';
      default:
        return 'The encrypted content is malformed. Nothing is shown.';
    }
  }
  if (error instanceof ApiError) {
    if (error.status === 404) return NOT_FOUND;
    const retry = error.retryAfter !== undefined ? ` Try again in ${Math.ceil(error.retryAfter)} s.` : '';
    return `The server refused: ${error.message} (${error.code}).${retry}`;
  }
  if (error instanceof NetworkError) return 'Could not reach the server. Check the connection and try again.';
  return `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
}
