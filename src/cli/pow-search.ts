// The proof-of-work inner loop: find n in [start, end) such that SHA-256(prefix ‖ decimal(n)) has
// `difficulty` leading zero bits, where prefix is the UTF-8 of `nonce + ":"`.
//
// Why a hand-written SHA-256 instead of node:crypto: every createHash() call costs an object, a
// native call and a digest Buffer, which dominates hashing ~45 bytes (bench/pow.ts measures both).
// Here the prefix's whole 64-byte blocks are compressed once (midstate), the decimal counter is
// incremented in place as ASCII (no number-to-string per try), only the message words holding
// changed digits are re-read, and the rounds that see only constant words are computed once.
//
// The function is deliberately self-contained (no imports, no outer references): pow-solver.ts
// ships its source text to worker threads, so the same code runs on every core of a one-file bundle.

/** Returns the first n in [start, end) that solves, or -1. `start`, `end` are safe integers ≥ 0. */
export function powSearch(prefix: Uint8Array, difficulty: number, start: number, end: number): number {
  const K = Int32Array.from([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const W = new Int32Array(64);

  /** Rounds `from`..63 over the scheduled words `w`, on the working variables a..h in `v` (updated in place). */
  const rounds = (w: Int32Array, from: number, v: Int32Array): void => {
    let a = v[0] as number, b = v[1] as number, c = v[2] as number, d = v[3] as number;
    let e = v[4] as number, f = v[5] as number, g = v[6] as number, h = v[7] as number;
    for (let t = from; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[t] as number) + (w[t] as number)) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    v[0] = a; v[1] = b; v[2] = c; v[3] = d; v[4] = e; v[5] = f; v[6] = g; v[7] = h;
  };
  const schedule = (w: Int32Array): void => {
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15] as number;
      const y = w[t - 2] as number;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
    }
  };
  const load = (bytes: Uint8Array, offset: number, w: Int32Array, fromWord: number): void => {
    for (let i = fromWord; i < 16; i++) {
      const o = offset + i * 4;
      w[i] = ((bytes[o] as number) << 24) | ((bytes[o + 1] as number) << 16) | ((bytes[o + 2] as number) << 8) | (bytes[o + 3] as number);
    }
  };
  const compress = (state: Int32Array, w: Int32Array): void => {
    schedule(w);
    const v = Int32Array.from(state);
    rounds(w, 0, v);
    for (let i = 0; i < 8; i++) state[i] = ((state[i] as number) + (v[i] as number)) | 0;
  };

  // Midstate: the prefix's complete blocks never change.
  const mid = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19].map((x) => x | 0));
  const whole = Math.floor(prefix.length / 64);
  for (let block = 0; block < whole; block++) {
    load(prefix, block * 64, W, 0);
    compress(mid, W);
  }
  const rest = prefix.length - whole * 64;
  const msg = new Uint8Array(128);
  const W2 = new Int32Array(64);
  const v = new Int32Array(8);
  const pre = new Int32Array(8);
  const inter = new Int32Array(8);

  let digits = 0;
  let blocks = 1;
  let firstDigitWord = 0;
  let preRounds = 0;

  /** Lays out rest ‖ decimal(n) ‖ padding ‖ length, and everything that depends only on the layout. */
  const layout = (n: number): void => {
    const text = String(n);
    digits = text.length;
    msg.fill(0);
    msg.set(prefix.subarray(whole * 64), 0);
    for (let i = 0; i < digits; i++) msg[rest + i] = text.charCodeAt(i);
    msg[rest + digits] = 0x80;
    blocks = rest + digits + 9 <= 64 ? 1 : 2;
    const bits = (prefix.length + digits) * 8;
    const end = blocks * 64;
    msg[end - 4] = (bits >>> 24) & 0xff;
    msg[end - 3] = (bits >>> 16) & 0xff;
    msg[end - 2] = (bits >>> 8) & 0xff;
    msg[end - 1] = bits & 0xff;
    load(msg, 0, W, 0);
    if (blocks === 2) load(msg, 64, W2, 0);
    firstDigitWord = rest >> 2;
    // Rounds before the first word holding a digit see constants only (first tail block); rounded
    // down to a multiple of 8 for the unrolled passes (a 32-hex-digit nonce puts it at exactly 8).
    preRounds = firstDigitWord & ~7;
    pre.set(mid);
    if (preRounds > 0) {
      const a0 = Int32Array.from(mid);
      // Run the first preRounds rounds only: rounds() runs to 64, so do them by hand here.
      let a = a0[0] as number, b = a0[1] as number, c = a0[2] as number, d = a0[3] as number;
      let e = a0[4] as number, f = a0[5] as number, g = a0[6] as number, h = a0[7] as number;
      for (let t = 0; t < preRounds; t++) {
        const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[t] as number) + (W[t] as number)) | 0;
        const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      pre[0] = a; pre[1] = b; pre[2] = c; pre[3] = d; pre[4] = e; pre[5] = f; pre[6] = g; pre[7] = h;
    }
  };

  const need = Math.min(difficulty, 32);
  let lowChanged = -1;
  layout(start);
  for (let n = start; n < end; n++) {
    if (n !== start) {
      // ASCII odometer: n = previous + 1.
      let i = rest + digits - 1;
      while (i >= rest && msg[i] === 57) msg[i--] = 48;
      if (i < rest) {
        layout(n);
        lowChanged = -1;
      } else {
        msg[i] = (msg[i] as number) + 1;
        lowChanged = i;
      }
    }
    if (lowChanged >= 0) {
      // Re-read only the words whose bytes changed (they all lie in the digits).
      const lastByte = rest + digits - 1;
      for (let word = lowChanged >> 2; word <= lastByte >> 2; word++) {
        const o = word * 4;
        const value = ((msg[o] as number) << 24) | ((msg[o + 1] as number) << 16) | ((msg[o + 2] as number) << 8) | (msg[o + 3] as number);
        if (word < 16) W[word] = value;
        else W2[word - 16] = value;
      }
    }
    let h0: number;
    if (blocks === 1) {
      // The common case, inlined: schedule and rounds on locals (the hot loop of the whole solver).
      for (let t = 16; t < 64; t++) {
        const x = W[t - 15] as number;
        const y = W[t - 2] as number;
        W[t] = ((W[t - 16] as number) + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + (W[t - 7] as number) + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
      }
      let a = pre[0] as number, b = pre[1] as number, c = pre[2] as number, d = pre[3] as number;
      let e = pre[4] as number, f = pre[5] as number, g = pre[6] as number, h = pre[7] as number;
      let t1: number;
      // Eight rounds per pass with the variables renamed instead of shifted (h = g, g = f, ...):
      // a quarter of the moves, and preRounds is a multiple of 8 so the passes line up.
      for (let t = preRounds; t < 64; t += 8) {
        t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + (K[t + 0] as number) + (W[t + 0] as number)) | 0;
        d = (d + t1) | 0;
        h = (t1 + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (c & (a ^ b)))) | 0;
        t1 = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + (K[t + 1] as number) + (W[t + 1] as number)) | 0;
        c = (c + t1) | 0;
        g = (t1 + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) ^ (b & (h ^ a)))) | 0;
        t1 = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + (K[t + 2] as number) + (W[t + 2] as number)) | 0;
        b = (b + t1) | 0;
        f = (t1 + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) ^ (a & (g ^ h)))) | 0;
        t1 = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + (K[t + 3] as number) + (W[t + 3] as number)) | 0;
        a = (a + t1) | 0;
        e = (t1 + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) ^ (h & (f ^ g)))) | 0;
        t1 = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + (K[t + 4] as number) + (W[t + 4] as number)) | 0;
        h = (h + t1) | 0;
        d = (t1 + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) ^ (g & (e ^ f)))) | 0;
        t1 = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + (K[t + 5] as number) + (W[t + 5] as number)) | 0;
        g = (g + t1) | 0;
        c = (t1 + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) ^ (f & (d ^ e)))) | 0;
        t1 = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + (K[t + 6] as number) + (W[t + 6] as number)) | 0;
        f = (f + t1) | 0;
        b = (t1 + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) ^ (e & (c ^ d)))) | 0;
        t1 = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + (K[t + 7] as number) + (W[t + 7] as number)) | 0;
        e = (e + t1) | 0;
        a = (t1 + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) ^ (d & (b ^ c)))) | 0;
      }
      h0 = ((mid[0] as number) + a) | 0;
      if (Math.clz32(h0) < need) continue;
      v[0] = a; v[1] = b; v[2] = c; v[3] = d; v[4] = e; v[5] = f; v[6] = g; v[7] = h;
      for (let i = 0; i < 8; i++) inter[i] = ((mid[i] as number) + (v[i] as number)) | 0;
    } else {
      schedule(W);
      v.set(pre);
      rounds(W, preRounds, v);
      for (let i = 0; i < 8; i++) inter[i] = ((mid[i] as number) + (v[i] as number)) | 0;
      schedule(W2);
      v.set(inter);
      rounds(W2, 0, v);
      for (let i = 0; i < 8; i++) inter[i] = ((inter[i] as number) + (v[i] as number)) | 0;
      h0 = inter[0] as number;
      if (Math.clz32(h0) < need) continue;
    }
    // Difficulties above 32 bits look at the following words too.
    let zeros = 0;
    for (let i = 0; i < 8; i++) {
      const z = Math.clz32(inter[i] as number);
      zeros += z;
      if (z < 32) break;
    }
    if (zeros >= difficulty) return n;
  }
  return -1;
}
