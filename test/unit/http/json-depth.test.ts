// json-depth: the flat nesting scan that guards every JSON parser (the nested-JSON stall attack).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../../src/http/json-depth.js';

/** Nesting depth of a parsed JSON value (the oracle; recursion is fine on small test values). */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('exceedsJsonDepth', () => {
  it('passes flat bodies and refuses one level past the bound', () => {
    expect(exceedsJsonDepth('{"content": "hi", "n": [1, 2]}', 2)).toBe(false);
    expect(exceedsJsonDepth('{"a": [[1]]}', 2)).toBe(true);
    expect(exceedsJsonDepth(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe(false);
    expect(exceedsJsonDepth(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(JSON.stringify({ content: '[[[[[[{{{{{{' }), 1)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ content: 'say \\"[[[[' }), 1)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ content: '\\', a: [[[1]]] }), 3)).toBe(true);
  });

  it('answers 8 MiB of unclosed brackets without recursing (no stack overflow)', () => {
    expect(exceedsJsonDepth('['.repeat(8 * 1024 * 1024))).toBe(true);
  });

  it('agrees with the real depth of any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 7 }), (value, bound) => {
        expect(exceedsJsonDepth(JSON.stringify(value), bound)).toBe(depthOf(value) > bound);
      }),
      { numRuns: 500 },
    );
  });
});
