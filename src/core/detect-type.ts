import { fileTypeFromBuffer } from 'file-type';

/** MIME type from magic bytes of the content's head, or null when none is recognised. */
export async function detectMagic(head: Buffer): Promise<string | null> {
  if (head.length === 0) return null;
  const found = await fileTypeFromBuffer(head);
  return found?.mime ?? null;
}
