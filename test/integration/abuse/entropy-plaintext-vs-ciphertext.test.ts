// entropy-plaintext-vs-ciphertext (black box): with SEALBIN_MIN_ENTROPY=7, bodies of 256 bytes or
// more below 7 bits/byte are refused with 400 ENTROPY_TOO_LOW (plaintext), random bytes and AES
// ciphertext are accepted, bodies under 256 bytes are exempt, and GET / says encryption_required.
import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { disposeServer, expectErrorHit, hit, postPaste, postUpload } from '../../helpers/abuse.js';

const PROSE = 'The quick brown fox jumps over the lazy dog while the five boxing wizards jump quickly. '.repeat(16);

function aesGcm(plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
}

let strict: RunningServer;
let open: RunningServer;
beforeAll(async () => {
  [strict, open] = await Promise.all([startServer({ env: { SEALBIN_MIN_ENTROPY: '7' } }), startServer()]);
});
afterAll(async () => {
  await Promise.all([disposeServer(strict), disposeServer(open)]);
});

describe('entropy-plaintext-vs-ciphertext', () => {
  it('GET / says encryption_required: true with a minimum entropy, false without', async () => {
    expect((await hit(strict.url, '/')).json()['encryption_required']).toBe(true);
    expect((await hit(open.url, '/')).json()['encryption_required']).toBe(false);
  });

  it('refuses plaintext with 400 ENTROPY_TOO_LOW, as a paste and as a file', async () => {
    const body = expectErrorHit(await postPaste(strict.url, PROSE, { 'content-type': 'text/plain' }), 400, 'ENTROPY_TOO_LOW');
    expect(typeof body['entropy']).toBe('number');
    expect(body['entropy'] as number).toBeLessThan(7);
    expect(body['min_entropy']).toBe(7);
    expectErrorHit(await postUpload(strict.url, PROSE, 'notes.txt'), 400, 'ENTROPY_TOO_LOW');
  });

  it('accepts random bytes and AES-GCM ciphertext, and serves them back unchanged', async () => {
    for (const content of [randomBytes(4096), aesGcm(PROSE)]) {
      const created = await postPaste(strict.url, content);
      expect(created.status, created.text).toBe(201);
      const raw = await fetch(String(created.json()['raw']));
      expect(Buffer.from(await raw.arrayBuffer()).equals(content)).toBe(true);
    }
    expect((await postUpload(strict.url, aesGcm(PROSE), 'secret.bin')).status).toBe(201);
  });

  it('exempts bodies under 256 bytes, and only those', async () => {
    expect((await postPaste(strict.url, 'a'.repeat(255))).status).toBe(201);
    expect((await postPaste(strict.url, 'short plaintext note')).status).toBe(201);
    expectErrorHit(await postPaste(strict.url, 'a'.repeat(256)), 400, 'ENTROPY_TOO_LOW');
  });

  it('plaintext padded with a little randomness is still refused (the whole body counts)', async () => {
    const mostlyText = Buffer.concat([Buffer.from(PROSE.repeat(4)), randomBytes(64)]);
    expectErrorHit(await postPaste(strict.url, mostlyText), 400, 'ENTROPY_TOO_LOW');
  });

  it('without SEALBIN_MIN_ENTROPY plaintext is fine', async () => {
    expect((await postPaste(open.url, PROSE)).status).toBe(201);
  });
});
