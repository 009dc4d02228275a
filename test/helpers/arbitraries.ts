// fast-check arbitraries shared by the unit tests.
import fc from 'fast-check';

const SURROGATES = 0xe000 - 0xd800;

/**
 * Any Unicode scalar value (surrogates excluded), with each UTF-8 length (1 to 4 bytes) equally likely,
 * so multibyte characters and their boundaries come up often.
 */
export const codePoint: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xffff - SURROGATES }).map((value) => (value >= 0xd800 ? value + SURROGATES : value)),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
);

/** Well-formed strings over the whole of Unicode (and cheaper to start than fc.string's 'binary' unit). */
export function unicodeString(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  return fc.array(codePoint, { minLength, maxLength }).map((points) => String.fromCodePoint(...points));
}
