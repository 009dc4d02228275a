// Saving content to disk and showing images: always through blob: URLs of Blobs whose type the page
// chose (never the sender's claim), so nothing the sender wrote can become a document of this origin.

const urls = new Set<string>();

/** A blob: URL for `blob` as `type`, revoked when the page goes away. */
export function blobUrl(blob: Blob, type: string): string {
  const url = URL.createObjectURL(blob.type === type ? blob : new Blob([blob], { type }));
  urls.add(url);
  return url;
}

addEventListener('pagehide', () => {
  for (const url of urls) URL.revokeObjectURL(url);
  urls.clear();
});

/** Saves `blob` as `name` (already sanitised) with an <a download>; as opaque bytes, never rendered. */
export function saveBlob(blob: Blob, name: string): void {
  const link = document.createElement('a');
  link.href = blobUrl(blob, 'application/octet-stream');
  link.download = name;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
