// Databases written before digests were sealed hold the plain SHA-256 of every item: an offline
// oracle for short content. At start, each such row is rewritten sealed (the plain value is all the
// server needs to seal it), so an upgraded database stops leaking as soon as the server has run once.
import { isPlainDigest } from '../crypto/digest-seal.js';
import type { DigestSeal } from '../crypto/digest-seal.js';
import type { KeyRotationStore } from '../storage/ports.js';

const PAGE = 500;

/** Seals every plain digest left in the database; returns how many rows it rewrote. */
export async function sealLegacyDigests(store: KeyRotationStore, digests: DigestSeal): Promise<number> {
  let converted = 0;
  let after = '';
  for (;;) {
    const page = await store.listDigests(after, PAGE);
    for (const row of page) {
      // Compare-and-set: a PUT racing with this (another instance already serving) keeps its new digest.
      if (isPlainDigest(row.digest) && (await store.replaceDigest(row.id, row.digest, digests.seal(row.id, row.digest)))) converted += 1;
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) return converted;
    after = last.id;
  }
}
