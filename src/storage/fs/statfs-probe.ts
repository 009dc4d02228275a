// Free space as the filesystem reports it (statfs), for the disk floor, /health and the metric.
// Measured rather than probed with an empty file: creating an empty file succeeds on a disk with
// no data block left, so such a probe says "ok" exactly when it matters.
import { stat, statfs } from 'node:fs/promises';
import type { DiskProbe } from '../../core/disk-guard.js';

export class StatfsProbe implements DiskProbe {
  private distinct: Promise<[string, string][]> | null = null;

  /** @param locations name -> directory, e.g. { data: '/var/lib/sealbin', blobs: '/mnt/shared' } */
  constructor(private readonly locations: Readonly<Record<string, string>>) {}

  /** One directory per filesystem: a blob dir inside the data dir's filesystem is not measured twice. */
  private async locationsByDevice(): Promise<[string, string][]> {
    const seen = new Set<number>();
    const kept: [string, string][] = [];
    for (const [name, dir] of Object.entries(this.locations)) {
      const { dev } = await stat(dir);
      if (seen.has(dev)) continue;
      seen.add(dev);
      kept.push([name, dir]);
    }
    return kept;
  }

  async measure(): Promise<Record<string, number>> {
    this.distinct ??= this.locationsByDevice();
    const free: Record<string, number> = {};
    for (const [name, dir] of await this.distinct) {
      const info = await statfs(dir);
      // bavail: what an unprivileged writer may still use (root's reserved blocks excluded).
      free[name] = info.bavail * info.bsize;
    }
    return free;
  }
}
