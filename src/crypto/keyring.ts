// One 32-byte master key; every purpose gets its own subkey via HKDF so that a leak or misuse of
// one (e.g. the diceware hashing key) says nothing about the others.
import { createHmac, hkdfSync } from 'node:crypto';

export interface Keyring {
  /** Wraps per-item data keys (AES-256-GCM). */
  readonly wrapKey: Buffer;
  /** Wrap keys of previous master keys, still accepted for reading while a rotation is in progress. */
  readonly previousWrapKeys: readonly Buffer[];
  /** HMAC key for the stored hash of diceware download keys. */
  readonly dicewareKey: Buffer;
  /** HMAC key for proof-of-work tokens. */
  readonly powKey: Buffer;
  /**
   * HMAC key for content digests kept outside the encrypted blob (duplicate counters): a bare
   * SHA-256 of short content can be reversed offline by hashing every candidate. Also, each under its
   * own label, for the tus creator binding and a tus upload's item id, and the sealed-digest and
   * ETag subkeys.
   */
  readonly digestKey: Buffer;
  /**
   * AES-256-GCM key for metadata sealed at rest (file names, short-link targets). From the root
   * secret on a server keyring, so a master key rotation leaves sealed metadata readable as it is.
   */
  readonly metadataKey: Buffer;
  /**
   * HMAC key for the client address group stored with anonymous items (quotas): a database dump
   * must not list the IP addresses of anonymous uploaders. From the root secret on a server keyring,
   * so a master key rotation keeps every stored group counting against the same quota.
   */
  readonly quotaKey: Buffer;
  /** Non-secret fingerprint of the master key, to detect a changed key against existing data. */
  readonly check: string;
}

function derive(master: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `sealbin/v1/${label}`, 32));
}

/** @example deriveKeyring(randomBytes(32)).wrapKey.length === 32 */
export function deriveKeyring(master: Buffer): Keyring {
  if (master.length !== 32) throw new Error('master key must be 32 bytes');
  return Object.freeze({
    wrapKey: derive(master, 'wrap'),
    previousWrapKeys: Object.freeze([]),
    dicewareKey: derive(master, 'diceware'),
    powKey: derive(master, 'pow'),
    digestKey: derive(master, 'digest'),
    metadataKey: derive(master, 'metadata'),
    quotaKey: derive(master, 'quota'),
    check: createHmac('sha256', derive(master, 'check')).update('sealbin master key check').digest('hex').slice(0, 32),
  });
}

/**
 * The server's keys: wrapping and the check value come from the master key (current and, during a
 * rotation, previous); the HMAC keys for diceware hashes and PoW tokens come from a random root
 * secret stored sealed by the master key, so rotating the master key keeps every download key valid.
 */
export function serverKeyring(current: Keyring, previous: Keyring | null, root: Buffer): Keyring {
  const fromRoot = deriveKeyring(root);
  return Object.freeze({
    wrapKey: current.wrapKey,
    previousWrapKeys: Object.freeze(previous ? [previous.wrapKey] : []),
    dicewareKey: fromRoot.dicewareKey,
    powKey: fromRoot.powKey,
    digestKey: fromRoot.digestKey,
    metadataKey: fromRoot.metadataKey,
    quotaKey: fromRoot.quotaKey,
    check: current.check,
  });
}

/** Every wrap key that may open existing data, current first. */
export function readKeys(keyring: Keyring): Buffer[] {
  return [keyring.wrapKey, ...keyring.previousWrapKeys];
}
