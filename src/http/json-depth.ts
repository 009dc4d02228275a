// Nesting bound for JSON bodies, checked by a flat byte scan before any parser runs: parsers
// recurse per level, so megabytes of "[[[[..." cost seconds of event-loop time (or a stack
// overflow) before they fail. Our bodies are flat objects; a few levels is plenty.
export const MAX_JSON_DEPTH = 16;

/**
 * Whether `text` opens more than `max` nested arrays/objects, ignoring brackets inside strings.
 * Linear in the length, constant memory, no recursion.
 * @example exceedsJsonDepth('{"a": [[1]]}', 2) === true
 */
export function exceedsJsonDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > max) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}
