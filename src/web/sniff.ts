// Deciding how to show content, by its bytes only: a claimed type (from the sender or the server)
// never decides that something is rendered.

export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  return bytes.length >= at + signature.length && signature.every((byte, i) => bytes[at + i] === byte);
}

/**
 * The raster image type of `head` (the first 12+ bytes) by magic bytes, or null. Only these four are
 * ever shown inline: SVG and other active formats could carry script.
 */
export function imageType(head: Uint8Array): ImageType | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x47, 0x49, 0x46, 0x38]) && (head[4] === 0x37 || head[4] === 0x39) && head[5] === 0x61) return 'image/gif';
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return null;
}

/** Texts larger than this are offered as a download instead of being decoded into the page. */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/**
 * The content as text when it is valid UTF-8 without NUL bytes (binaries nearly always have some),
 * else null.
 */
export function decodeText(bytes: Uint8Array): string | null {
  if (bytes.length > MAX_TEXT_BYTES || bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
