// ResumableUploads over the filesystem PartialStore with an injected clock: the binding to the
// creator, expiry (on access and by the sweep, which also takes a log whose state never got written),
// a torn tail cut back after a "restart" (a new instance over the same directory), completion.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { ResumableUploads } from '../../../src/core/resumable-uploads.js';
import type { UploadOptions } from '../../../src/core/resumable-uploads.js';
import { deriveKeyring } from '../../../src/crypto/keyring.js';
import { FsPartialStore } from '../../../src/storage/fs/fs-partial-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import type { FakeClock } from '../../helpers/fake-clock.js';
import { waitFor } from '../../helpers/wait.js';

const OPTIONS: UploadOptions = { filename: 'a.bin', filetype: null, expiry: undefined, burnAfterRead: false, maxDownloads: null };
const keyring = deriveKeyring(randomBytes(32));
let dir: string;
let clock: FakeClock;

async function uploads(): Promise<ResumableUploads> {
  const store = new FsPartialStore(dir, 1);
  return new ResumableUploads({ store, keyring, clock, maxSize: 1_000_000, expirySeconds: 60 });
}

const patch = (offset: number, data: Buffer, length: number | null = null) => ({ offset, body: Readable.from([data]), length, contentLength: data.length });
const never = async (): Promise<never> => {
  throw new Error('must not complete');
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'ok';
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealbin-tus-unit-'));
  clock = fakeClock();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ResumableUploads', () => {
  it('is bound to its creator: anyone else gets NOT_FOUND and changes nothing', async () => {
    const service = await uploads();
    const upload = await service.create('ip:203.0.113.0', null, 10, OPTIONS);
    expect(await codeOf(service.status(upload.id, 'ip:198.51.100.0'))).toBe('NOT_FOUND');
    expect(await codeOf(service.append(upload.id, 'owner:abc', patch(0, Buffer.from('12345')), never))).toBe('NOT_FOUND');
    expect(await codeOf(service.terminate(upload.id, 'ip:198.51.100.0'))).toBe('NOT_FOUND');
    expect((await service.status(upload.id, 'ip:203.0.113.0')).offset).toBe(0);
  });

  it('completes with the decrypted bytes, then removes the partial', async () => {
    const service = await uploads();
    const content = randomBytes(200_000);
    const upload = await service.create('ip:a', null, content.length, OPTIONS);
    await service.append(upload.id, 'ip:a', patch(0, content.subarray(0, 70_000)), never);
    let received: Buffer | null = null;
    const result = await service.append(upload.id, 'ip:a', patch(70_000, content.subarray(70_000)), async (_upload, stream) => {
      const parts: Buffer[] = [];
      for await (const part of stream) parts.push(part as Buffer);
      received = Buffer.concat(parts);
      return 'created';
    });
    expect(result.completed).toBe('created');
    expect((received as Buffer | null)?.equals(content)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a new instance over the same directory cuts a torn tail back to the last whole segment', async () => {
    const first = await uploads();
    const upload = await first.create('ip:a', null, 100_000, OPTIONS);
    await first.append(upload.id, 'ip:a', patch(0, randomBytes(70_000)), never);
    appendFileSync(join(dir, `${upload.id}.log`), Buffer.from([0, 0, 0x10, 0, 1, 2, 3]));
    const second = await uploads();
    expect((await second.status(upload.id, 'ip:a')).offset).toBe(70_000);
  });

  it('expires: refused on access after SEALBIN_TUS_EXPIRY, and swept (a state-less log too)', async () => {
    const service = await uploads();
    const kept = await service.create('ip:a', null, 10, OPTIONS);
    clock.advance(30);
    const later = await service.create('ip:a', null, 10, OPTIONS);
    // A crash inside a creation: a log whose state was never written; and a state's temporary file
    // whose upload is otherwise gone.
    writeFileSync(join(dir, `${'e'.repeat(32)}.log`), '');
    writeFileSync(join(dir, `${'f'.repeat(32)}.state.tmp`), '{}');
    clock.advance(31);
    expect(await service.sweepExpired()).toBe(3);
    expect(existsSync(join(dir, `${kept.id}.state`))).toBe(false);
    expect(existsSync(join(dir, `${'e'.repeat(32)}.log`))).toBe(false);
    expect((await service.status(later.id, 'ip:a')).offset).toBe(0);
    clock.advance(30);
    expect(await codeOf(service.status(later.id, 'ip:a'))).toBe('NOT_FOUND');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lives at least SEALBIN_TUS_EXPIRY seconds when made late in a second', async () => {
    const late = { ...clock, precise: () => clock.now() + 0.97 };
    const service = new ResumableUploads({ store: new FsPartialStore(dir, 0), keyring, clock: late, maxSize: 1_000_000, expirySeconds: 60 });
    const upload = await service.create('ip:a', null, 10, OPTIONS);
    expect(upload.expiresAt).toBe(clock.now() + 61);
    // Made at T0 + 0.97. Floored, it would be gone when the clock reads T0 + 60, 59.03 s later.
    clock.advance(60);
    expect((await service.status(upload.id, 'ip:a')).offset).toBe(0);
    clock.advance(1);
    expect(await codeOf(service.status(upload.id, 'ip:a'))).toBe('NOT_FOUND');
  });

  it('the sweep leaves an expired upload alone while a request holds it', async () => {
    const service = await uploads();
    const upload = await service.create('ip:a', null, 10, OPTIONS);
    const body = new PassThrough();
    const appending = service.append(upload.id, 'ip:a', { offset: 0, body, length: null, contentLength: null }, never);
    body.write(Buffer.from('12345'));
    // Taken by the PATCH's write loop: its load (and expiry check) is behind it.
    await waitFor(() => body.readableLength === 0, 'the PATCH reading its body');
    clock.advance(61);
    expect(await service.sweepExpired()).toBe(0);
    expect(existsSync(join(dir, `${upload.id}.state`))).toBe(true);
    body.end();
    expect((await appending).upload.offset).toBe(5);
    expect(await service.sweepExpired()).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});
