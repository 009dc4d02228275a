// The share view (`/download/{phrase}#key`): name, size and type from /status (never burns); the
// file is fetched only when the Download button is clicked, decrypted with the #key when there is one,
// and saved under its sanitised name (the decrypted name for end-to-end shares).
import type { ShareStatusJson } from '../../api/items.js';
import { getJson, request } from '../api.js';
import { byId, el, messageRegions, setState, showError, status } from '../dom.js';
import { downloadName } from '../filename.js';
import { formatBytes, formatTime } from '../format.js';
import { keyFromHash } from '../key.js';
import { describeFailure } from '../messages.js';
import { saveBlob } from '../save.js';
import { ContentError, receive } from './content.js';
import type { PageContext } from './create.js';

type ShareMeta = ShareStatusJson & { downloads_remaining?: number | null };

export async function renderShare(root: HTMLElement, context: PageContext, phrase: string): Promise<void> {
  root.append(
    el('h2', {}, 'Shared file'),
    el('dl', { id: 'meta' }, el('dt', {}, 'Name'), el('dd', { id: 'name' }), el('dt', {}, 'Size'), el('dd', { id: 'size' }), el('dt', {}, 'Type'), el('dd', { id: 'type' })),
  );
  const actions = el('div', { id: 'actions' });
  root.append(...messageRegions(), actions);
  const key = keyFromHash(location.hash);
  if (key.kind === 'malformed') return showError(key.message);
  let meta: ShareMeta;
  try {
    status('Loading…');
    meta = await getJson<ShareMeta>(`${context.base}/status/${phrase}`);
  } catch (error) {
    return showError(describeFailure(error));
  }
  const encrypted = key.kind === 'key';
  const serverName = downloadName(meta.filename, 'file');
  byId('name').textContent = encrypted ? `${serverName === 'file' ? 'encrypted' : serverName} (the real name shows after the download)` : serverName;
  byId('size').textContent = `${formatBytes(meta.size)}${encrypted ? ' (encrypted)' : ''}`;
  byId('type').textContent = encrypted ? 'encrypted' : meta.mime_type;
  const limited = typeof meta.downloads_remaining === 'number';
  const metaList = byId('meta');
  const rows: [string, string][] = [['Created', formatTime(meta.created_at)], ['Expires', meta.expires_at === null ? 'never' : formatTime(meta.expires_at)], ['Downloads so far', String(meta.downloads)]];
  if (meta.burn_after_read) rows.push(['Burn after read', 'yes: it is destroyed once downloaded']);
  if (limited) rows.push(['Downloads left', String(meta.downloads_remaining)]);
  for (const [term, value] of rows) metaList.append(el('dt', {}, term), el('dd', {}, value));

  const button = el('button', { id: 'download', type: 'button' }, 'Download');
  const note = meta.burn_after_read ? 'This file is destroyed as soon as it is downloaded.' : limited ? `This file can be downloaded ${meta.downloads_remaining} more time(s).` : '';
  if (note) actions.append(el('p', { id: 'await-note' }, note));
  actions.append(button);
  button.addEventListener('click', () => {
    button.disabled = true;
    void download(context, phrase, key, serverName, meta.burn_after_read).finally(() => {
      if (document.body.dataset['state'] !== 'error' && !meta.burn_after_read) button.disabled = false;
    });
  });
  status(meta.burn_after_read || limited ? 'Waiting for you to download it.' : 'Ready to download.');
  setState(meta.burn_after_read || limited ? 'await-click' : 'ready');
}

async function download(context: PageContext, phrase: string, key: ReturnType<typeof keyFromHash>, serverName: string, burn: boolean): Promise<void> {
  status('Downloading…');
  let response: Response;
  try {
    response = await request(`${context.base}/download/${phrase}`);
  } catch (error) {
    return showError(describeFailure(error));
  }
  try {
    const received = await receive(response, key);
    const name = downloadName(received.metadata?.name ?? (serverName === 'file' ? undefined : serverName), 'file');
    if (received.metadata) {
      byId('name').textContent = name;
      byId('type').textContent = received.metadata.type ? `${received.metadata.type} (as the sender says)` : 'unknown';
    }
    saveBlob(received.blob, name);
    status(`Saved as ${name} (${formatBytes(received.blob.size)}).`);
    setState('shown');
  } catch (error) {
    showError(error instanceof ContentError ? `${error.message}${burn ? ' It was a burn-after-read item, and this attempt has destroyed it on the server.' : ''}` : describeFailure(error, { burned: burn }));
  }
}
