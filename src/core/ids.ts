import { randomBytesPooled } from '../crypto/random-pool.js';

/** 128 random bits as 32 lowercase hex chars: unguessable, so an id is a bearer capability. */
export function newPasteId(): string {
  return randomBytesPooled(16).toString('hex');
}

const PASTE_ID = /^[0-9a-f]{32}$/;

/** Shape check before any lookup: malformed ids become 404 without touching storage. */
export function isPasteId(value: string): boolean {
  return PASTE_ID.test(value);
}

/** Opaque name for a stored blob, unrelated to the item id so a directory listing reveals no ids. */
export function newBlobId(): string {
  return randomBytesPooled(16).toString('hex');
}
