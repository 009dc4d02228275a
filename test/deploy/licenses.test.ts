// scripts/licenses.ts: SPDX expressions judged the way the allow list means them.
import { describe, expect, it } from 'vitest';
import { isAllowed, licenseOf, productionPackages } from '../../scripts/licenses.js';

describe('scripts/licenses.ts', () => {
  it('accepts permissive ids and refuses copyleft or unknown ones', () => {
    for (const id of ['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD', 'BlueOak-1.0.0', 'Unlicense', 'CC0-1.0', 'Python-2.0']) expect(isAllowed(id), id).toBe(true);
    for (const id of ['GPL-3.0-only', 'AGPL-3.0-or-later', 'LGPL-2.1', 'MPL-2.0', 'SSPL-1.0', 'UNKNOWN', 'SEE LICENSE IN LICENSE', '']) expect(isAllowed(id), id).toBe(false);
  });

  it('needs one acceptable side of an OR and both sides of an AND', () => {
    expect(isAllowed('(MIT OR GPL-3.0-only)')).toBe(true);
    expect(isAllowed('(BSD-2-Clause OR MIT OR Apache-2.0)')).toBe(true);
    expect(isAllowed('MIT AND GPL-2.0')).toBe(false);
    expect(isAllowed('(MIT AND Zlib) OR GPL-2.0')).toBe(true);
    expect(isAllowed('Apache-2.0 WITH LLVM-exception')).toBe(true);
    expect(isAllowed('(MIT')).toBe(false);
  });

  it('reads the license field in its modern and legacy forms', () => {
    expect(licenseOf({ license: 'MIT' })).toBe('MIT');
    expect(licenseOf({ license: { type: 'ISC' } })).toBe('ISC');
    expect(licenseOf({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })).toBe('(MIT OR Apache-2.0)');
    expect(licenseOf({})).toBe('UNKNOWN');
  });

  it('walks the installed production tree, passing over optional peers that are not installed (pg-native)', () => {
    const rows = productionPackages(process.cwd());
    expect(rows.some((row) => row.name === 'pg')).toBe(true);
    expect(rows.some((row) => row.name === 'pg-native')).toBe(false);
    expect(rows.filter((row) => !row.ok)).toEqual([]);
  }, 60_000);
});
