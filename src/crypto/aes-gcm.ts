// AES-256-GCM with the tag appended, in one place for both chunked formats (at rest, end to end):
// node:crypto only, so fpaste's bundle can use it. Authentication failure is reported as null
// and each format turns it into its own error (with the chunk index).
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const GCM_TAG_LENGTH = 16;

/** Ciphertext of `plain` followed by its 16-byte tag. */
export function gcmSeal(key: Buffer, nonce: Uint8Array, aad: Uint8Array, plain: Buffer): Buffer {
  return Buffer.concat(gcmSealParts(key, nonce, aad, [plain]));
}

/**
 * The same for a plaintext given in pieces, as pieces: the ciphertext of each, then the tag. Streams
 * push these as they are, so no byte is copied into a joined buffer on either side of the cipher.
 */
export function gcmSealParts(key: Buffer, nonce: Uint8Array, aad: Uint8Array, plain: readonly Buffer[]): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const out: Buffer[] = [];
  for (const piece of plain) if (piece.length > 0) out.push(cipher.update(piece));
  cipher.final();
  out.push(cipher.getAuthTag());
  return out;
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
