// Client-supplied filenames end up in Content-Disposition headers and on users' disks.

const MAX_BYTES = 200;

/**
 * Returns a safe display filename, or null when nothing usable is left.
 * @example sanitizeFilename('../../etc/passwd') === 'passwd'
 */
export function sanitizeFilename(input: string | undefined | null): string | null {
  if (input === undefined || input === null) return null;
  let name = input.normalize('NFC');
  // Path traversal: keep only the last path component, for either separator.
  name = name.split(/[/\\]/).pop() ?? '';
  // Header injection and terminal tricks: drop C0/C1 controls (CR, LF, NUL, ESC ...).
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  // Extension spoofing ("invoice\u202Efdp.exe" shows as "invoiceexe.pdf"): drop bidi and invisible format characters.
  name = name.replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '');
  // Quotes and shell/path specials would break out of quoted header parameters or confuse tools.
  name = name.replace(/["'`;:*?<>|]/g, '_');
  // Hidden files and "..": no leading dots; no trailing dots or spaces (Windows strips them).
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  // Truncation can expose a trailing dot or space again: strip once more after it.
  name = truncateUtf8(name, MAX_BYTES).replace(/[.\s]+$/, '');
  return name.length > 0 ? name : null;
}

// TextEncoder, not Buffer: the web page (src/web) sanitises download names with this same function.
const utf8 = new TextEncoder();

function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8.encode(text).length <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = utf8.encode(char).length;
    if (used + size > maxBytes) break;
    out += char;
    used += size;
  }
  return out;
}

/**
 * Builds a Content-Disposition value per RFC 6266: an ASCII fallback in `filename` and the exact
 * name in `filename*` (RFC 8187) when it is not plain ASCII.
 * @example contentDisposition('attachment', 'résumé.pdf')
 *   === `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`
 */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string | null): string {
  if (filename === null) return kind;
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  if (ascii === filename) return `${kind}; filename="${ascii}"`;
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
