// The Kysely view of the metadata schema, shared by the SQLite and (later) PostgreSQL adapters.
import type { Generated } from 'kysely';

export interface ItemsTable {
  id: string;
  kind: string;
  key_hash: string | null;
  owner: string | null;
  delete_token_hash: string | null;
  size: number;
  mime_type: string;
  filename: string | null;
  sha256: string;
  created_at: number;
  expires_at: number | null;
  burn_after_read: number;
  burned_at: number | null;
  downloads: Generated<number>;
  wrapped_key: Buffer;
  blob_id: string | null;
  inline_data: Buffer | null;
  /** Complete reads left before the item is removed; null = unlimited (migration 007). */
  downloads_remaining: number | null;
  /** Claimed reads whose responses are still being sent (migration 007). */
  open_reads: Generated<number>;
  /** Whom the item counts against (008-quotas); null for anonymous items older than quotas. */
  quota_key: Generated<string | null>;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface PkiCaTable {
  id: string;
  certificate_pem: string;
  sealed_key: Buffer;
  fingerprint: string;
  common_name: string;
  created_at: number;
  expires_at: number;
}

export interface PkiCertsTable {
  serial: string;
  fingerprint: string;
  sha1: string;
  common_name: string;
  admin: number;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  certificate_pem: string;
}

export interface ShortLinksTable {
  id: string;
  target: string;
  owner: string | null;
  created_at: number;
  expires_at: number | null;
  clicks: Generated<number>;
  /** Redirects left before the link is removed; null = unlimited (migration 007). */
  clicks_remaining: number | null;
}

export interface PkiAuditTable {
  seq: Generated<number>;
  time: number;
  event: string;
  serial: string | null;
  fingerprint: string | null;
  common_name: string | null;
  actor: string;
  request_id: string;
  reason: string | null;
}

export interface Database {
  pki_audit: PkiAuditTable;
  short_links: ShortLinksTable;
  items: ItemsTable;
  settings: SettingsTable;
  pki_ca: PkiCaTable;
  pki_certs: PkiCertsTable;
}
