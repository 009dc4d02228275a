// The JSON shapes of items, as the contract names them (snake_case, Unix seconds).
import type { ItemRecord } from '../storage/ports.js';

export interface ItemView {
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
}

export function itemView(item: ItemRecord, base: string): ItemView {
  const view: ItemView = {
    id: item.id,
    url: `${base}/${item.id}`,
    raw: `${base}/${item.id}/raw`,
    size: item.size,
    mime_type: item.mimeType,
    sha256: item.sha256,
    created_at: item.createdAt,
    expires_at: item.expiresAt,
    burn_after_read: item.burnAfterRead,
    owner: item.owner,
  };
  if (item.filename !== null) view.filename = item.filename;
  return view;
}

export interface StatusView {
  size: number;
  mime_type: string;
  created_at: number;
  expires_at: number | null;
  downloads: number;
  burn_after_read: boolean;
  filename?: string;
}

export function statusView(item: ItemRecord): StatusView {
  const view: StatusView = {
    size: item.size,
    mime_type: item.mimeType,
    created_at: item.createdAt,
    expires_at: item.expiresAt,
    downloads: item.downloads,
    burn_after_read: item.burnAfterRead,
  };
  if (item.filename !== null) view.filename = item.filename;
  return view;
}
