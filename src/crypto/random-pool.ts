// Random bytes for the small values a request makes (ids, data keys, nonces, tokens), drawn from a
// pool that is refilled from the CSPRNG 4 KiB at a time, as Node itself does for randomUUID. Every
// call into the CSPRNG costs a few µs whatever its size, and a create draws seven such values: about
// 5% of a create's CPU (issue 16). The bytes are the same CSPRNG's; each is handed out once and its
// place in the pool zeroed at once, so no key outlives its draw in here.
import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
/** Larger draws go straight to the CSPRNG: pooling them would save nothing and empty the pool. */
const MAX_POOLED = 64;

const pool = Buffer.alloc(POOL_SIZE);
let used = POOL_SIZE;

/** `size` bytes from the CSPRNG, in a Buffer of their own (never a view of the pool). */
export function randomBytesPooled(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid random byte count: ${size}`);
  if (size > MAX_POOLED) return randomBytes(size);
  if (used + size > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  // allocUnsafeSlow: a buffer of its own, so the key a caller zeroes later is nowhere else.
  const out = Buffer.allocUnsafeSlow(size);
  pool.copy(out, 0, used, used + size);
  pool.fill(0, used, used + size);
  used += size;
  return out;
}
