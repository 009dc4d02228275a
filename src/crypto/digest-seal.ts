// The plaintext SHA-256 of an item is never stored in clear: a bare hash of short content (a PIN,
// a salary) is reversed offline by hashing every candidate. The database holds it sealed
// (AES-256-GCM, bound to the item id) under a key derived from the keyring's digestKey, so the
// server can still check reads against it and hand it to the one reader before streaming.
import { createHmac } from 'node:crypto';
import { BoundedMemo } from './bounded-memo.js';
import { openSecret, sealSecret } from './key-wrap.js';

/** Prefix of a sealed digest in the `sha256` column; anything else is a legacy plain hex digest. */
export const SEALED_DIGEST_PREFIX = 'sd1:';

const PLAIN_DIGEST = /^[0-9a-f]{64}$/;

/** Stands in for a sealed digest that does not open (altered row): it never matches a real digest. */
export const UNREADABLE_DIGEST = 'unreadable';

export function isPlainDigest(value: string): boolean {
  return PLAIN_DIGEST.test(value);
}

/** Opened digests and ETags remembered, each: a read of a recently read item costs no AES-GCM or HMAC. */
const MEMO_SIZE = 4096;

export class DigestSeal {
  private readonly sealKey: Buffer;
  private readonly tagKey: Buffer;
  // Keyed by the exact inputs (id and the sealed value as stored, or id and digest), so a changed or
  // swapped row is a different key and is opened afresh: the memo can never vouch for altered data.
  // What it holds (digests, tags) is what every reader of these items is sent anyway.
  private readonly opened = new BoundedMemo(MEMO_SIZE);
  private readonly tags = new BoundedMemo(MEMO_SIZE);

  constructor(digestKey: Buffer) {
    // Separate subkeys: the HMAC key of ETags never doubles as an encryption key.
    this.sealKey = createHmac('sha256', digestKey).update('sealbin/digest/seal').digest();
    this.tagKey = createHmac('sha256', digestKey).update('sealbin/digest/etag').digest();
  }

  /** @example seal.open(id, seal.seal(id, hex)) === hex */
  seal(itemId: string, plainHex: string): string {
    return SEALED_DIGEST_PREFIX + sealSecret(this.sealKey, Buffer.from(plainHex, 'hex'), `item-digest:${itemId}`).toString('base64url');
  }

  /**
   * The plain hex digest; a legacy row (plain hex, before the conversion at start) passes through.
   * A sealed value that does not open for this id (altered, or copied from another row) gives
   * UNREADABLE_DIGEST, so the read fails its integrity check instead of the lookup throwing.
   */
  open(itemId: string, stored: string): string {
    if (!stored.startsWith(SEALED_DIGEST_PREFIX)) return stored;
    return this.opened.get(`${itemId}:${stored}`, () => this.unseal(itemId, stored));
  }

  private unseal(itemId: string, stored: string): string {
    try {
      const plain = openSecret(this.sealKey, Buffer.from(stored.slice(SEALED_DIGEST_PREFIX.length), 'base64url'), `item-digest:${itemId}`);
      return plain.length === 32 ? plain.toString('hex') : UNREADABLE_DIGEST;
    } catch {
      return UNREADABLE_DIGEST;
    }
  }

  /**
   * The ETag: keyed on id and content, so it changes with the content but can neither be reversed
   * offline nor compared across items (uploading a guess and matching its ETag tells nothing).
   */
  etag(itemId: string, plainHex: string): string {
    const input = `${itemId}:${plainHex}`;
    return this.tags.get(input, () => createHmac('sha256', this.tagKey).update(input).digest('base64url').slice(0, 32));
  }
}
