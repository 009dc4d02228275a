// Items as the contract names them (snake_case, Unix seconds); the shapes are defined in src/api/items.ts.
import type { CreatedItemJson, ItemJson, SharePreviewJson, ShareStatusJson } from '../api/items.js';
import { isPlainDigest } from '../crypto/digest-seal.js';
import type { ItemRecord } from '../storage/ports.js';

/** Items whose reads are counted down (a download limit, or burn after read: a limit of one). */
export function limitsReads(item: ItemRecord): boolean {
  return item.burnAfterRead || item.downloadsRemaining !== null;
}

/**
 * Items whose reads are limited keep their digest and content back until a read is spent: the
 * SHA-256 of short content is reversed by hashing every candidate, and a preview is a free read.
 */
export function withholdsDigest(item: ItemRecord): boolean {
  return limitsReads(item);
}

/** `creator`: the 201 of the create that made the item (its uploader knows the content anyway). */
export function itemView(item: ItemRecord, base: string, options: { creator?: boolean } = {}): ItemJson {
  const shown = (options.creator === true || !withholdsDigest(item)) && isPlainDigest(item.sha256);
  const view: ItemJson = {
    id: item.id,
    url: `${base}/${item.id}`,
    raw: `${base}/${item.id}/raw`,
    size: item.size,
    mime_type: item.mimeType,
    sha256: shown ? item.sha256 : null,
    created_at: item.createdAt,
    expires_at: item.expiresAt,
    burn_after_read: item.burnAfterRead,
    downloads_remaining: item.downloadsRemaining,
    owner: item.owner,
  };
  if (item.filename !== null) view.filename = item.filename;
  return view;
}

/** The 201 answer of a creation: the item, with what is shown only this once (delete token, download key). */
export function createdItemView(item: ItemRecord, base: string, once: { deleteToken: string | null; key: string | null }): CreatedItemJson {
  const view: CreatedItemJson = { ...itemView(item, base, { creator: true }), delete_token: once.deleteToken ?? undefined };
  if (once.key !== null) {
    view.key = once.key;
    view.download_url = `${base}/download/${once.key}`;
  }
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
    downloads_remaining: item.downloadsRemaining,
  };
  if (item.filename !== null) view.filename = item.filename;
  return view;
}

export function previewView(item: ItemRecord, text: string | null): SharePreviewJson {
  // A limited share's preview would be a read that spends nothing: metadata only, and say why.
  if (withholdsDigest(item)) return { ...statusView(item), text: null, text_withheld: item.burnAfterRead ? 'burn_after_read' : 'download_limit' };
  return { ...statusView(item), text };
}
