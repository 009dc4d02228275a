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

/** How much of the content is read to tell text from binary before the rest is read at all. */
export const SNIFF_BYTES = 64 * 1024;

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

/**
 * Whether the first bytes of the content could begin a text: no NUL, valid UTF-8. When `head` is not
 * the whole content, a multi-byte character cut off at its end is allowed (the rest follows it).
 */
export function couldBeText(head: Uint8Array, whole: boolean): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !whole });
    return true;
  } catch {
    return false;
  }
}

/** The part of a Blob the page reads (a structural type, so tests can pass a fake that records reads). */
export interface ReadableBlob {
  readonly size: number;
  slice(start?: number, end?: number): ReadableBlob;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type ContentKind = { kind: 'image'; type: ImageType } | { kind: 'text'; text: string } | { kind: 'binary'; tooLarge: boolean };

/**
 * How to show `blob`, reading as little of it as the answer needs: the first SNIFF_BYTES decide image
 * or binary, so a large binary (or anything over MAX_TEXT_BYTES) is never read whole into memory
 * beside the Blob; only content that still looks like text is read whole, to be shown.
 */
export async function classifyContent(blob: ReadableBlob): Promise<ContentKind> {
  const whole = blob.size <= SNIFF_BYTES;
  const head = new Uint8Array(await blob.slice(0, Math.min(blob.size, SNIFF_BYTES)).arrayBuffer());
  const image = imageType(head);
  if (image) return { kind: 'image', type: image };
  if (blob.size > MAX_TEXT_BYTES) return { kind: 'binary', tooLarge: true };
  if (!couldBeText(head, whole)) return { kind: 'binary', tooLarge: false };
  // Small content was read whole as its head; the rest is read only now that it looks like text.
  const text = decodeText(whole ? head : new Uint8Array(await blob.arrayBuffer()));
  return text === null ? { kind: 'binary', tooLarge: false } : { kind: 'text', text };
}
