import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../../src/core/byte-size.js';

describe('parseByteSize', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['1048576', 1048576],
    ['10b', 10],
    ['10B', 10],
    ['1k', 1024],
    ['1K', 1024],
    ['1KiB', 1024],
    ['512KiB', 512 * 1024],
    ['1kb', 1000],
    ['1KB', 1000],
    ['1m', 1024 ** 2],
    ['100MiB', 100 * 1024 ** 2],
    ['2MiB', 2097152],
    ['1MB', 1000 ** 2],
    ['1g', 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['1GB', 1000 ** 3],
    ['1gib', 1024 ** 3],
    [' 42 ', 42],
    ['100 MiB', 100 * 1024 ** 2],
    ['9007199254740991', 9007199254740991],
    ['8388607GiB', 8388607 * 1024 ** 3],
  ])('parses %j as %i', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', ' ', 'MiB', '-1', '+1', '1.5', '1.5MiB', '1e6', '0x10', '1 000', '1,000', '1TiB', '1T', '1PB', '1KiBB', '1 Ki B', 'NaN', 'Infinity', '12345678901234567', '9007199254740993', '9999999999999999GiB', '8388608GiB', '1\n2'])(
    'refuses %j',
    (text) => {
      expect(parseByteSize(text)).toBeNull();
    },
  );
});
