// docs/errors.md and the catalogue in src/core/errors.ts list exactly the same codes and statuses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/core/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])]));

describe('error catalogue', () => {
  it('documents every code with its status, and nothing extra', () => {
    const actual = new Map(Object.entries(ERRORS).map(([code, entry]) => [code, entry.status]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(actual));
  });

  it('uses UPPER_SNAKE codes and a message for each', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(entry.message.length).toBeGreaterThan(10);
    }
  });
});
