// The server's JSON answers as fpaste reads them (docs/api.md; snake_case, Unix seconds).

export interface ItemJson {
  id: string;
  url: string;
  raw: string;
  size: number;
  mime_type: string;
  sha256: string;
  created_at: number;
  expires_at: number | null;
  burn_after_read: boolean;
  owner: string | null;
  filename?: string;
  /** Create only, anonymous items only; shown once. */
  delete_token?: string;
  /** File shares: the diceware download key. */
  key?: string;
  download_url?: string;
}

export interface ListJson {
  pastes: ItemJson[];
  next_cursor: string | null;
}

export interface ServerInfoJson {
  name: string;
  version: string;
  endpoints?: Record<string, string>;
  limits: { max_size: number; default_expiry: number; max_expiry: number };
  pow: { enabled: boolean; difficulty: number };
  encryption_required: boolean;
}

export interface PkiStatusJson {
  enabled: boolean;
  ca_exists: boolean;
  fingerprint: string | null;
  common_name: string | null;
  expires_at: number | null;
  issued: number;
  revoked: number;
}

export interface IssuedJson {
  serial: string;
  fingerprint: string;
  certificate: string;
  private_key?: string;
}

export interface ShortJson {
  id: string;
  short_url: string;
  target: string;
  created_at: number;
  expires_at: number | null;
  owner: string | null;
}
