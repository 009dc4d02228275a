// What the HTTP layer is given: configuration and the domain services. Built by main.ts (or tests).
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { ContentReader } from '../core/content-reader.js';
import type { DiskGuard } from '../core/disk-guard.js';
import type { DigestSeal } from '../crypto/digest-seal.js';
import type { ItemService } from '../core/item-service.js';
import type { ResumableUploads } from '../core/resumable-uploads.js';
import type { PkiService } from '../core/pki-service.js';
import type { ShortLinkService } from '../core/short-link-service.js';
import type { Metrics } from '../ops/metrics.js';
import type { AbuseControls } from '../security/abuse-controls.js';
import type { BlobStore, MetadataStore } from '../storage/ports.js';

export interface AppContext {
  config: Config;
  clock: Clock;
  items: ItemService;
  reader: ContentReader;
  /** ETags of content (keyed, so they are no hash oracle). */
  digests: DigestSeal;
  metadata: MetadataStore;
  blobs: BlobStore;
  abuse: AbuseControls;
  pki: PkiService;
  links: ShortLinkService;
  metrics: Metrics;
  /** Free space and the SEALBIN_MIN_FREE_BYTES floor (creations, /health, the metric). */
  disk: DiskGuard;
  /** Partial uploads of the tus protocol (/tus). */
  uploads: ResumableUploads;
  version: string;
}
