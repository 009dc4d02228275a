// Prometheus metrics (prom-client) in a registry of our own, so several apps in one process (tests)
// never share or clash. Label values are only route templates, kinds, purposes, groups and status
// classes: never ids, keys or addresses (cardinality and privacy).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DiskGuard } from '../core/disk-guard.js';

/**
 * prom-client's default metrics include three gauges named `*_total`, a suffix Prometheus reserves
 * for counters (promtool refuses them, and rate() over them would mislead). Same values, new names.
 */
const RENAMED_GAUGES: readonly (readonly [from: string, to: string, help: string])[] = [
  ['sealbin_nodejs_active_handles_total', 'sealbin_nodejs_active_handles_all', 'Number of active libuv handles, all types together'],
  ['sealbin_nodejs_active_requests_total', 'sealbin_nodejs_active_requests_all', 'Number of active libuv requests, all types together'],
  ['sealbin_nodejs_active_resources_total', 'sealbin_nodejs_active_resources_all', 'Number of active resources keeping the event loop alive, all types together'],
];

/** Replaces gauge `from` by gauge `to`, which reads the original's value at every scrape. */
function renameGauge(registry: Registry, from: string, to: string, help: string): void {
  const source = registry.getSingleMetric(from);
  // Absent on runtimes without the underlying Node API: nothing to rename.
  if (source === undefined) return;
  registry.removeSingleMetric(from);
  new Gauge({
    name: to,
    help: `${help} (prom-client's ${from.replace(/^sealbin_/, '')})`,
    registers: [registry],
    async collect() {
      this.set((await source.get()).values[0]?.value ?? 0);
    },
  });
}

export class Metrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'sealbin_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status class',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly itemsCreated = new Counter({ name: 'sealbin_items_created_total', help: 'Items created, by kind (paste, file, short)', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly itemsServed = new Counter({ name: 'sealbin_items_served_total', help: 'Item contents served (full reads and ranges), by kind', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly bytesIn = new Counter({ name: 'sealbin_bytes_in_total', help: 'Content bytes stored', registers: [this.registry] });
  readonly bytesOut = new Counter({ name: 'sealbin_bytes_out_total', help: 'Content bytes served', registers: [this.registry] });
  readonly powIssued = new Counter({ name: 'sealbin_pow_challenges_issued_total', help: 'Proof-of-work challenges issued, by purpose', labelNames: ['purpose'] as const, registers: [this.registry] });
  readonly powVerified = new Counter({ name: 'sealbin_pow_solutions_total', help: 'Proof-of-work solutions checked, by result (solved, failed)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly powDifficulty = new Gauge({ name: 'sealbin_pow_difficulty', help: 'Current proof-of-work difficulty (leading zero bits)', registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'sealbin_rate_limit_hits_total', help: 'Requests refused by a rate limit, by group', labelNames: ['group'] as const, registers: [this.registry] });
  readonly bruteBlocks = new Counter({ name: 'sealbin_bruteforce_blocks_total', help: 'Brute-force blocks started, by action', labelNames: ['action'] as const, registers: [this.registry] });
  readonly integrityFailures = new Counter({ name: 'sealbin_integrity_failures_total', help: 'Reads that failed the integrity check', registers: [this.registry] });
  readonly cleanupRuns = new Counter({ name: 'sealbin_cleanup_runs_total', help: 'Expiry cleanup runs', registers: [this.registry] });
  readonly cleanupRemoved = new Counter({ name: 'sealbin_cleanup_removed_total', help: 'Items and links removed by cleanup', registers: [this.registry] });
  readonly certificatesIssued = new Counter({ name: 'sealbin_certificates_issued_total', help: 'Client certificates issued, by source (issue, register)', labelNames: ['source'] as const, registers: [this.registry] });
  readonly certificatesRevoked = new Counter({ name: 'sealbin_certificates_revoked_total', help: 'Client certificates revoked', registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'sealbin_' });
      for (const [from, to, help] of RENAMED_GAUGES) renameGauge(this.registry, from, to, help);
    }
  }

  /**
   * Free space per storage location (`data`, and `blobs` when on another filesystem), measured by
   * statfs when scraped (cached for about a second), and the floor under which creations get 507.
   */
  watchDisk(disk: DiskGuard): void {
    new Gauge({ name: 'sealbin_disk_min_free_bytes', help: 'SEALBIN_MIN_FREE_BYTES: free bytes under which creations are refused (0 = no floor)', registers: [this.registry] }).set(disk.floor);
    new Gauge({
      name: 'sealbin_disk_free_bytes',
      help: 'Free bytes on the filesystem holding each storage location, as statfs reports them',
      labelNames: ['location'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        // An unmeasurable disk leaves the series absent rather than failing the whole scrape.
        const state = await disk.state().catch(() => null);
        for (const [location, free] of Object.entries(state?.perLocation ?? {})) this.set({ location }, free);
      },
    });
  }

  static statusClass(status: number): string {
    return `${Math.floor(status / 100)}xx`;
  }
}
