// Metadata that can itself be a secret (a file name, a short-link target carrying a token) is sealed
// at rest like content: AES-256-GCM under the keyring's metadata key, with the table, column and row
// id as associated data so a sealed value copied onto another row or column does not open there.
import { openSecret, sealSecret } from './key-wrap.js';

/** The associated data that binds a sealed value to its place. */
export function fieldLabel(place: `${string}.${string}`, rowId: string): string {
  return `field:${place}:${rowId}`;
}

/** @example openField(key, sealField(key, 'a.txt', label), label) === 'a.txt' */
export function sealField(key: Buffer, value: string, label: string): string {
  return sealSecret(key, Buffer.from(value, 'utf8'), label).toString('base64');
}

/** Throws when the value was altered, moved from another row or column, or sealed under another key. */
export function openField(key: Buffer, sealed: string, label: string): string {
  return openSecret(key, Buffer.from(sealed, 'base64'), label).toString('utf8');
}

/** Whether `value` is already sealed for this place (used once, to seal rows written before sealing). */
export function isSealedField(key: Buffer, value: string, label: string): boolean {
  try {
    openField(key, value, label);
    return true;
  } catch {
    return false;
  }
}
