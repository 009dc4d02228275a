// AES-256-GCM with the tag appended, in one place for both chunked formats (at rest, end to end):
// node:crypto only, so fpaste's bundle can use it. Authentication failure is reported as null
// and each format turns it into its own error (with the chunk index).
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const GCM_TAG_LENGTH = 16;

/** Ciphertext of `plain` followed by its 16-byte tag. */
export function gcmSeal(key: Buffer, nonce: Uint8Array, aad: Uint8Array, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(plain);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** The plaintext of ciphertext-then-tag, or null when it does not authenticate (never unchecked bytes). */
export function gcmOpen(key: Buffer, nonce: Uint8Array, aad: Uint8Array, sealed: Buffer): Buffer | null {
  if (sealed.length < GCM_TAG_LENGTH) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_LENGTH));
  try {
    const plain = decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_LENGTH));
    decipher.final();
    return plain;
  } catch {
    return null;
  }
}
