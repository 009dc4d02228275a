// Per-item data keys are stored only wrapped (AES-256-GCM) under the master wrap key. The item id is
// associated data: a wrapped key copied onto another row does not unwrap there.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
export const WRAPPED_KEY_LENGTH = 1 + NONCE + 32 + TAG;

function aad(itemId: string): Buffer {
  return Buffer.from(`sealbin:item-key:v1:${itemId}`, 'utf8');
}

/** @example unwrapKey(kek, wrapKey(kek, dek, id), id).equals(dek) */
export function wrapKey(kek: Buffer, dataKey: Buffer, itemId: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(aad(itemId));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** Throws when the wrapped key was altered, belongs to another item, or the master key differs. */
export function unwrapKey(kek: Buffer, wrapped: Buffer, itemId: string): Buffer {
  if (wrapped.length !== WRAPPED_KEY_LENGTH || wrapped[0] !== VERSION) throw new Error('wrapped key has an unknown format');
  const nonce = wrapped.subarray(1, 1 + NONCE);
  const body = wrapped.subarray(1 + NONCE, wrapped.length - TAG);
  const decipher = createDecipheriv('aes-256-gcm', kek, nonce);
  decipher.setAAD(aad(itemId));
  decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG));
  return Buffer.concat([decipher.update(body), decipher.final()]);
}
