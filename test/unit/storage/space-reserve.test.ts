// The space reserve (kept for deletes on a full disk) and the statfs probe behind the disk floor.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RESERVE_BYTES, RESERVE_FILE, SpaceReserve } from '../../../src/storage/fs/space-reserve.js';
import { StatfsProbe } from '../../../src/storage/fs/statfs-probe.js';

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealbin-reserve-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SpaceReserve', () => {
  it('is 4 MiB in the data dir by default', () => {
    const dir = scratch();
    expect(new SpaceReserve(dir).path).toBe(join(dir, RESERVE_FILE));
    expect(new SpaceReserve(dir).size).toBe(RESERVE_BYTES);
    expect(RESERVE_BYTES).toBe(4 * 1024 * 1024);
  });

  it('creates a file of its size with random (incompressible) bytes, once, and gives it back', async () => {
    const dir = scratch();
    const reserve = new SpaceReserve(dir, 3 * 1024 * 1024 + 5);
    expect(reserve.held).toBeNull();
    expect(await reserve.ensure()).toBe(true);
    expect(reserve.held).toBe(true);
    expect(statSync(reserve.path).size).toBe(3 * 1024 * 1024 + 5);
    const bytes = readFileSync(reserve.path);
    // Zeros would take no space on a compressing filesystem: the reserve must be real data.
    expect(bytes.subarray(0, 4096).every((byte) => byte === 0)).toBe(false);
    const before = statSync(reserve.path).mtimeMs;
    expect(await reserve.ensure()).toBe(true);
    expect(statSync(reserve.path).mtimeMs).toBe(before);
    expect(readdirSync(dir)).toEqual([RESERVE_FILE]);

    expect(await reserve.release()).toBe(true);
    expect(reserve.held).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    expect(await reserve.release()).toBe(false);
  });

  it('concurrent ensures write one file', async () => {
    const reserve = new SpaceReserve(scratch(), 1024 * 1024);
    expect(await Promise.all([reserve.ensure(), reserve.ensure(), reserve.ensure()])).toEqual([true, true, true]);
    expect(statSync(reserve.path).size).toBe(1024 * 1024);
  });

  it('replaces a short file left by an interrupted write', async () => {
    const dir = scratch();
    const reserve = new SpaceReserve(dir, 64 * 1024);
    await new SpaceReserve(dir, 1024).ensure();
    expect(await reserve.present()).toBe(false);
    expect(await reserve.ensure()).toBe(true);
    expect(statSync(reserve.path).size).toBe(64 * 1024);
  });
});

describe('StatfsProbe', () => {
  it('measures the free bytes statfs reports, once per filesystem', async () => {
    const data = scratch();
    mkdirSync(join(data, 'blobs'));
    const free = await new StatfsProbe({ data, blobs: join(data, 'blobs') }).measure();
    // The blob dir is on the data dir's filesystem: measured once, under the first name.
    expect(Object.keys(free)).toEqual(['data']);
    const info = statfsSync(data);
    expect(Math.abs((free['data'] as number) - info.bavail * info.bsize)).toBeLessThan(512 * 1024 * 1024);
  });
});
