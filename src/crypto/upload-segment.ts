// The at-rest format of partial (resumable) uploads: a log of sealed segments appended as PATCH
// bodies arrive (docs/formats.md, "Partial uploads"). Segment = u32be plaintext length | 12-byte
// random nonce | AES-256-GCM ciphertext | 16-byte tag, under the upload's own key. The associated data
// binds the upload id and the segment's plaintext offset, so segments cannot be moved to another
// upload or reordered, and a dropped middle segment fails the next one.
import { randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal, GCM_TAG_LENGTH } from './aes-gcm.js';

export const SEGMENT_HEAD = 4 + 12;
/** Plaintext per segment at most: bounds memory per upload and the bytes a torn tail can lose. */
export const SEGMENT_MAX = 64 * 1024;

/** Bytes one segment of `plainLength` takes on disk. */
export function segmentSize(plainLength: number): number {
  return SEGMENT_HEAD + plainLength + GCM_TAG_LENGTH;
}

function aad(uploadId: string, offset: number): Buffer {
  const position = Buffer.alloc(8);
  position.writeBigUInt64BE(BigInt(offset));
  return Buffer.concat([Buffer.from(`sealbin:tus-segment:v1:${uploadId}:`, 'utf8'), position]);
}

/**
 * Seals `plain` (1..SEGMENT_MAX bytes) found at plaintext `offset`. A random nonce per segment: a torn
 * tail is cut and its offset written again with other bytes, which must never reuse a nonce.
 */
export function sealSegment(key: Buffer, uploadId: string, offset: number, plain: Buffer): Buffer {
  if (plain.length === 0 || plain.length > SEGMENT_MAX) throw new RangeError('segment length out of range');
  const head = Buffer.alloc(SEGMENT_HEAD);
  head.writeUInt32BE(plain.length, 0);
  randomBytes(12).copy(head, 4);
  return Buffer.concat([head, gcmSeal(key, head.subarray(4), aad(uploadId, offset), plain)]);
}

/** The plaintext length a segment head declares, or null when it cannot be one of ours (a torn or zeroed tail). */
export function declaredLength(head: Buffer): number | null {
  const length = head.readUInt32BE(0);
  return length === 0 || length > SEGMENT_MAX ? null : length;
}

/** Opens a whole segment (head included); null when it does not authenticate. */
export function openSegment(key: Buffer, uploadId: string, offset: number, segment: Buffer): Buffer | null {
  if (segment.length < SEGMENT_HEAD + GCM_TAG_LENGTH) return null;
  const length = declaredLength(segment);
  if (length === null || segment.length !== segmentSize(length)) return null;
  return gcmOpen(key, segment.subarray(4, SEGMENT_HEAD), aad(uploadId, offset), segment.subarray(SEGMENT_HEAD));
}
