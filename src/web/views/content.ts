// Receiving and showing an item's content, shared by the paste and share views: the response body is
// decrypted chunk by chunk with the #key (or taken as is for plain items), then shown as text (paged),
// as an image of an allowed raster type, or offered as a download. Nothing is shown unless the whole
// content decrypted and authenticated.
import type { AesGcmSubtle, E2eMetadata } from '../../crypto/e2e-format.js';
import { E2E_HEADER_LENGTH, looksLikeE2e } from '../../crypto/e2e-format.js';
import { collectToBlob, decryptToBlob } from '../../crypto/e2e-web.js';
import type { ByteStream } from '../../crypto/e2e-web.js';
import { byId, el, setState, status } from '../dom.js';
import { downloadName } from '../filename.js';
import { formatBytes } from '../format.js';
import type { HashKey } from '../key.js';
import { NO_KEY } from '../messages.js';
import { blobUrl, saveBlob } from '../save.js';
import { classifyContent } from '../sniff.js';
import { pageBounds } from '../text-pages.js';

export class ContentError extends Error {
  override readonly name = 'ContentError';
}

export interface Received {
  blob: Blob;
  /** The decrypted metadata record (end-to-end items only). */
  metadata: E2eMetadata | null;
}

/** The response body as a Blob, decrypted when the link has a key; refuses ciphertext without one. */
export async function receive(response: Response, key: HashKey): Promise<Received> {
  if (!response.body) throw new ContentError('The server sent no content.');
  const total = Number(response.headers.get('content-length') ?? '');
  const progress = (received: number) => status(Number.isFinite(total) && total > 0 ? `Downloading… ${formatBytes(received)} of ${formatBytes(total)}` : `Downloading… ${formatBytes(received)}`);
  if (key.kind === 'key') {
    const { metadata, blob } = await decryptToBlob(globalThis.crypto.subtle as unknown as AesGcmSubtle, key.key, response.body as ByteStream, { onProgress: progress });
    return { blob, metadata };
  }
  const blob = await collectToBlob(response.body as ByteStream, progress);
  // Without a key, ciphertext would show as garbage: say what is missing instead.
  if (looksLikeE2e(new Uint8Array(await blob.slice(0, E2E_HEADER_LENGTH).arrayBuffer()))) throw new ContentError(NO_KEY);
  return { blob, metadata: null };
}

function downloadButton(blob: Blob, name: string, label: string): HTMLButtonElement {
  const button = el('button', { id: 'download', type: 'button' }, label);
  button.addEventListener('click', () => {
    saveBlob(blob, name);
    status(`Saved as ${name}.`);
  });
  return button;
}

/** Shows `received` in `target`: text, an allowed image, or a download button. */
export async function show(target: HTMLElement, received: Received, fallbackName: string | undefined, fallback: 'paste' | 'file'): Promise<void> {
  const { blob } = received;
  const name = downloadName(received.metadata?.name ?? fallbackName, fallback);
  // Decided from the first bytes: a large binary is never copied whole out of its Blob just to be refused.
  const content = await classifyContent(blob);
  if (content.kind === 'image') {
    // The Blob gets the type the bytes prove, never the sender's or the server's claim.
    const img = el('img', { id: 'image', alt: `Image ${name}`, src: blobUrl(blob, content.type) });
    target.append(el('figure', { class: 'image' }, img), downloadButton(blob, name, `Download ${name}`));
    status(`Image, ${formatBytes(blob.size)}.`);
    setState('shown');
    return;
  }
  if (content.kind === 'binary') {
    const why = content.tooLarge ? ', too large to be shown here' : ' that cannot be shown here';
    target.append(el('p', {}, `A file of ${formatBytes(blob.size)}${why}.`), downloadButton(blob, name, `Download ${name}`));
    status('Ready to download.');
    setState('shown');
    return;
  }
  showText(target, content.text);
  status(`Text, ${formatBytes(blob.size)}.`);
  setState('shown');
}

function showText(target: HTMLElement, text: string): void {
  const bounds = pageBounds(text);
  const pages = bounds.length - 1;
  const pre = el('pre', { id: 'content', tabindex: '0', 'aria-label': 'Content' });
  target.append(pre);
  if (pages <= 1) {
    pre.textContent = text;
    return;
  }
  let page = 0;
  const prev = el('button', { id: 'prev', type: 'button' }, 'Previous page');
  const next = el('button', { id: 'next', type: 'button' }, 'Next page');
  const info = el('span', { id: 'page-info', 'aria-live': 'polite' });
  const render = () => {
    pre.textContent = text.slice(bounds[page] as number, bounds[page + 1] as number);
    info.textContent = `Page ${page + 1} of ${pages}`;
    prev.disabled = page === 0;
    next.disabled = page === pages - 1;
  };
  prev.addEventListener('click', () => {
    if (page > 0) page--;
    render();
  });
  next.addEventListener('click', () => {
    if (page < pages - 1) page++;
    render();
  });
  target.prepend(el('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, info, next));
  render();
}

/** Metadata lines ("Size", "Expires", …) in #meta as a description list. */
export function fillMeta(rows: [string, string][]): void {
  const meta = byId('meta');
  meta.replaceChildren();
  for (const [term, value] of rows) meta.append(el('dt', {}, term), el('dd', {}, value));
}
