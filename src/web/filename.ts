// Download names come from the sender (inside the ciphertext) or the server: both are only hints.
import { sanitizeFilename } from '../core/filename.js';

/**
 * A name safe to offer in `<a download>`: no path separators, control or bidi characters, no leading
 * dots, at most 200 bytes; `fallback` when nothing usable is left. The server's own sanitiser, so
 * the page and the server agree on every name.
 * @example downloadName('../../.bashrc', 'file') === 'bashrc'
 */
export function downloadName(name: string | undefined | null, fallback: 'paste' | 'file'): string {
  return sanitizeFilename(name) ?? fallback;
}
