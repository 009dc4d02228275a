// Per-item data keys are stored only wrapped (AES-256-GCM) under the master wrap key. The item id is
// associated data: a wrapped key copied onto another row does not unwrap there.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled } from './random-pool.js';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
export const WRAPPED_KEY_LENGTH = 1 + NONCE + 32 + TAG;

function aad(itemId: string): Buffer {
  return Buffer.from(`sealbin:item-key:v1:${itemId}`, 'utf8');
}

/** @example unwrapKey(kek, wrapKey(kek, dek, id), id).equals(dek) */
export function wrapKey(kek: Buffer, dataKey: Buffer, itemId: string): Buffer {
  const nonce = randomBytesPooled(NONCE);
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

/**
 * Seals a secret of any length (e.g. the CA's PKCS#8 private key) under `kek`, bound to `label`.
 * Format: version(1) | nonce(12) | ciphertext | tag(16).
 */
export function sealSecret(kek: Buffer, secret: Buffer, label: string): Buffer {
  const nonce = randomBytesPooled(NONCE);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(Buffer.from(`sealbin:secret:v1:${label}`, 'utf8'));
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** Throws when the sealed secret was altered, has another label, or the key differs. */
export function openSecret(kek: Buffer, sealed: Buffer, label: string): Buffer {
  if (sealed.length < 1 + NONCE + TAG || sealed[0] !== VERSION) throw new Error('sealed secret has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', kek, sealed.subarray(1, 1 + NONCE));
  decipher.setAAD(Buffer.from(`sealbin:secret:v1:${label}`, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE, sealed.length - TAG)), decipher.final()]);
}

/**
 * Unwraps with the first key encryption key that authenticates: the current master key, then the
 * previous one while a rotation is in progress.
 */
export function unwrapKeyAny(keks: readonly Buffer[], wrapped: Buffer, itemId: string): Buffer {
  let last: unknown = new Error('no key encryption key');
  for (const kek of keks) {
    try {
      return unwrapKey(kek, wrapped, itemId);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/** openSecret with the current key, then the previous one (rotation). */
export function openSecretAny(keks: readonly Buffer[], sealed: Buffer, label: string): Buffer {
  let last: unknown = new Error('no key encryption key');
  for (const kek of keks) {
    try {
      return openSecret(kek, sealed, label);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
