// Long texts are shown one page at a time: a multi-megabyte <pre> makes layout crawl.

/** About 200 KB of text per page. */
export const PAGE_CHARS = 200_000;

/**
 * Page boundaries of `text`: [0, b1, …, text.length], each page at most `size` UTF-16 units. A page
 * ends after a line break when one lies in its last quarter, and never inside a surrogate pair.
 * @example pageBounds('abc', 2) → [0, 2, 3]
 */
export function pageBounds(text: string, size = PAGE_CHARS): number[] {
  if (!Number.isInteger(size) || size < 2) throw new RangeError('a page holds at least 2 characters');
  const bounds = [0];
  let start = 0;
  while (text.length - start > size) {
    let end = start + size;
    const newline = text.lastIndexOf('\n', end - 1);
    if (newline >= start + Math.floor(size * 0.75)) end = newline + 1;
    else {
      // A high surrogate before the cut: keep the pair together on the next page.
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    }
    bounds.push(end);
    start = end;
  }
  if (text.length > 0 || bounds.length === 1) bounds.push(text.length);
  return bounds;
}
