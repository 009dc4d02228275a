// Single byte ranges (RFC 9110 §14.2). Multiple ranges are ignored (a full 200 is always allowed).

export type RangeResult = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number };

/**
 * @example parseRange('bytes=0-0', 10) -> { kind: 'range', start: 0, end: 0 }
 * @example parseRange('bytes=-4', 10)  -> { kind: 'range', start: 6, end: 9 }
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined || size <= 0) return { kind: 'none' };
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'none' };
  const [, first = '', last = ''] = match;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}
