// Items as the contract names them (snake_case, Unix seconds); the shapes are defined in src/api/items.ts.
import type { ItemJson, ShareStatusJson } from '../api/items.js';
import type { ItemRecord } from '../storage/ports.js';

export function itemView(item: ItemRecord, base: string): ItemJson {
  const view: ItemJson = {
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

export function statusView(item: ItemRecord): ShareStatusJson {
  const view: ShareStatusJson = {
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
