import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { dicewareWords, hashDicewareKey, isDicewareKey, KEY_WORDS, newDicewareKey } from '../../../src/core/diceware.js';

const SECRET = Buffer.alloc(32, 7);

describe('word list', () => {
  it('has more than 7000 unique lowercase words, none with a hyphen', () => {
    expect(dicewareWords().length).toBeGreaterThan(7000);
    expect(new Set(dicewareWords()).size).toBe(dicewareWords().length);
    for (const word of dicewareWords()) expect(word).toMatch(/^[a-z]+$/);
    expect(Object.isFrozen(dicewareWords())).toBe(true);
  });
});

describe('newDicewareKey', () => {
  it('makes 6 words of [a-z]+ from the list, joined by "-"', () => {
    const list = new Set(dicewareWords());
    expect(KEY_WORDS).toBe(6);
    for (let i = 0; i < 200; i++) {
      const key = newDicewareKey();
      expect(key).toMatch(/^[a-z]+(-[a-z]+){5}$/);
      for (const word of key.split('-')) expect(list.has(word)).toBe(true);
      expect(isDicewareKey(key)).toBe(true);
    }
  });

  it('does not repeat itself', () => {
    const keys = new Set(Array.from({ length: 500 }, () => newDicewareKey()));
    expect(keys.size).toBe(500);
  });

  it('uses the whole list (no obvious bias to a few words)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) for (const word of newDicewareKey().split('-')) seen.add(word);
    // 3000 draws from ~7772 words: about 2500 distinct expected; a broken generator gives far fewer.
    expect(seen.size).toBeGreaterThan(2000);
  });
});

describe('isDicewareKey', () => {
  const [a, b, c, d, e, f, g] = dicewareWords().slice(100, 107) as [string, string, string, string, string, string, string];
  const six = [a, b, c, d, e, f].join('-');

  it('accepts six list words joined by "-"', () => {
    expect(isDicewareKey(six)).toBe(true);
  });

  it.each([
    ['five words', [a, b, c, d, e].join('-')],
    ['seven words', [a, b, c, d, e, f, g].join('-')],
    ['uppercase', six.toUpperCase()],
    ['one capitalised word', [a.toUpperCase(), b, c, d, e, f].join('-')],
    ['a word not in the list', [a, b, c, d, e, 'zzzzzzzzq'].join('-')],
    ['a leading hyphen', `-${six}`],
    ['a trailing hyphen', `${six}-`],
    ['a double hyphen', [a, b, c, d, e, '', f].join('-')],
    ['spaces instead of hyphens', [a, b, c, d, e, f].join(' ')],
    ['underscores', [a, b, c, d, e, f].join('_')],
    ['surrounding whitespace', ` ${six} `],
    ['a hex id', '0123456789abcdef0123456789abcdef'],
    ['the empty string', ''],
    ['six empty words', '-----'],
    ['a path', `../${six}`],
    ['an over-long value', Array.from({ length: 6 }, () => 'a'.repeat(40)).join('-')],
  ])('rejects %s', (_name, value) => {
    expect(isDicewareKey(value)).toBe(false);
  });
});

describe('hashDicewareKey', () => {
  it('is a keyed hash: deterministic per secret, different for another secret', () => {
    const key = newDicewareKey();
    const hash = hashDicewareKey(SECRET, key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashDicewareKey(Buffer.from(SECRET), key)).toBe(hash);
    expect(hashDicewareKey(Buffer.alloc(32, 8), key)).not.toBe(hash);
    expect(hash).not.toBe(createHash('sha256').update(key).digest('hex'));
    expect(hash).not.toContain(key);
  });

  it('differs for different keys', () => {
    const hashes = new Set(Array.from({ length: 100 }, () => hashDicewareKey(SECRET, newDicewareKey())));
    expect(hashes.size).toBe(100);
  });
});
