// The paste view (`/{id}#key`): metadata first (never burns); burn-after-read and download-limited
// items wait for an explicit click before their content is requested, so link previews and bots that
// load the page never consume them; then the content is decrypted and shown.
import type { ItemJson } from '../../api/items.js';
import { getJson, request } from '../api.js';
import { byId, el, messageRegions, setState, showError, status } from '../dom.js';
import { formatBytes, formatTime } from '../format.js';
import { keyFromHash } from '../key.js';
import { describeFailure } from '../messages.js';
import { ContentError, fillMeta, receive, show } from './content.js';
import type { PageContext } from './create.js';

/** Item metadata as the server sends it; downloads_remaining exists where download limits do. */
type PasteMeta = ItemJson & { downloads_remaining?: number | null };

export async function renderPaste(root: HTMLElement, context: PageContext, id: string): Promise<void> {
  const shown = el('div', { id: 'shown' });
  root.append(el('h2', {}, 'Paste'), el('dl', { id: 'meta' }), ...messageRegions(), shown);
  const key = keyFromHash(location.hash);
  if (key.kind === 'malformed') return showError(key.message);
  let meta: PasteMeta;
  try {
    status('Loading…');
    meta = await getJson<PasteMeta>(`${context.base}/${id}`);
  } catch (error) {
    return showError(describeFailure(error));
  }
  const limited = typeof meta.downloads_remaining === 'number';
  const rows: [string, string][] = [['Size', `${formatBytes(meta.size)}${key.kind === 'key' ? ' (encrypted)' : ''}`], ['Created', formatTime(meta.created_at)], ['Expires', meta.expires_at === null ? 'never' : formatTime(meta.expires_at)]];
  if (meta.burn_after_read) rows.push(['Burn after read', 'yes: it is destroyed once shown']);
  if (limited) rows.push(['Reads left', String(meta.downloads_remaining)]);
  fillMeta(rows);

  const load = async () => {
    status('Downloading…');
    let response: Response;
    try {
      response = await request(`${context.base}/${id}/raw`);
    } catch (error) {
      return showError(describeFailure(error));
    }
    try {
      await show(shown, await receive(response, key), meta.filename, 'paste');
    } catch (error) {
      showError(error instanceof ContentError ? `${error.message}${meta.burn_after_read ? ' It was a burn-after-read item, and this attempt has destroyed it on the server.' : ''}` : describeFailure(error, { burned: meta.burn_after_read }));
    }
  };

  if (meta.burn_after_read || limited) {
    const warning = meta.burn_after_read ? 'This paste is destroyed as soon as it is shown: it can be read only once.' : `This paste can be read ${meta.downloads_remaining} more time(s).`;
    const noKey = key.kind === 'none' ? ' The link has no key (#…): if the paste is encrypted, showing it will consume it without revealing it.' : '';
    const button = el('button', { id: 'show', type: 'button' }, 'Show the paste');
    shown.append(el('p', { id: 'await-note' }, warning + noKey), button);
    button.addEventListener('click', () => {
      button.disabled = true;
      button.remove();
      byId('await-note').remove();
      void load();
    }, { once: true });
    status('Waiting for you to show it.');
    setState('await-click');
    button.focus();
    return;
  }
  await load();
}
