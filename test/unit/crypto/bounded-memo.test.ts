// The memo behind opened digests, ETags and file names: computes once per key, and stays bounded
// (many distinct reads cannot grow it), dropping the oldest key first.
import { describe, expect, it } from 'vitest';
import { BoundedMemo } from '../../../src/crypto/bounded-memo.js';

describe('BoundedMemo', () => {
  it('computes a key once while it is remembered', () => {
    const memo = new BoundedMemo(4);
    let calls = 0;
    const compute = (): string => String(++calls);
    expect(memo.get('a', compute)).toBe('1');
    expect(memo.get('a', compute)).toBe('1');
    expect(calls).toBe(1);
  });

  it('holds at most its size, dropping the oldest key first', () => {
    const memo = new BoundedMemo(3);
    let calls = 0;
    const compute = (): string => String(++calls);
    for (const key of ['a', 'b', 'c', 'd']) memo.get(key, compute);
    expect(calls).toBe(4);
    memo.get('b', compute);
    memo.get('c', compute);
    memo.get('d', compute);
    expect(calls).toBe(4);
    memo.get('a', compute);
    expect(calls).toBe(5);
  });

  it('remembers nothing when the computation throws', () => {
    const memo = new BoundedMemo(3);
    expect(() => memo.get('bad', () => { throw new Error('does not open'); })).toThrow('does not open');
    expect(memo.get('bad', () => 'opened')).toBe('opened');
  });
});
