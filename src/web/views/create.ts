// The create view (`/`): text or a file (picker or drag and drop), expiry, burn, encryption in this
// browser (on by default, forced on where the server requires it), proof of work in workers, upload
// with progress, then the link with its #key and a copy button. Same requests and link shapes as
// `fpaste` / `fpaste upload` (src/cli/commands/create.ts), so either side opens the other's links.
import type { CreatedItemJson } from '../../api/items.js';
import type { ServerInfoJson } from '../../api/server-info.js';
import { encodeKey } from '../../crypto/e2e-format.js';
import type { AesGcmSubtle, E2eMetadata } from '../../crypto/e2e-format.js';
import { encryptBlob, encryptedSize, newKey } from '../../crypto/e2e-web.js';
import { getJson } from '../api.js';
import { byId, clearError, el, messageRegions, setState, showError, status } from '../dom.js';
import { expiryChoices, formatBytes } from '../format.js';
import { describeFailure } from '../messages.js';
import { PowError, withProofOfWork } from '../proof-of-work.js';
import { send } from '../upload.js';

export interface PageContext {
  base: string;
  workerUrl: string;
}

function form(info: ServerInfoJson | null): HTMLFormElement {
  const expiry = el('select', { id: 'expiry', name: 'expiry' });
  for (const choice of info ? expiryChoices(info.limits.default_expiry, info.limits.max_expiry) : []) {
    const option = el('option', { value: choice.value }, choice.label);
    option.selected = choice.selected;
    expiry.append(option);
  }
  const required = info?.encryption_required === true;
  return el(
    'form',
    { id: 'create-form', 'aria-describedby': 'create-help' },
    el('p', { id: 'create-help', class: 'help' }, 'Write a text or choose a file. It is encrypted in this browser before it is sent: the key exists only in the link you get.'),
    el('label', { for: 'text' }, 'Text'),
    el('textarea', { id: 'text', name: 'text', rows: '10', spellcheck: 'false', autocomplete: 'off' }),
    el(
      'div',
      { id: 'drop', class: 'drop' },
      el('label', { for: 'file' }, 'File (or drop one here)'),
      el('input', { type: 'file', id: 'file', name: 'file' }),
      el('p', { id: 'file-info', class: 'help' }, 'A file is shared as a download link; it takes precedence over the text.'),
      el('button', { type: 'button', id: 'clear-file', class: 'secondary', hidden: true }, 'Remove the file'),
    ),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Options'),
      el('div', { class: 'row' }, el('label', { for: 'expiry' }, 'Expires after'), expiry),
      el('div', { class: 'check' }, el('input', { type: 'checkbox', id: 'burn', name: 'burn' }), el('label', { for: 'burn' }, 'Burn after read')),
      el('div', { class: 'check' }, el('input', { type: 'checkbox', id: 'encrypt', name: 'encrypt', checked: true, disabled: required, 'data-forced': required ? '1' : false, 'aria-describedby': 'encrypt-help' }), el('label', { for: 'encrypt' }, 'Encrypt in this browser')),
      el('p', { id: 'encrypt-help', class: 'help' }, required ? 'This server accepts only end-to-end encrypted content.' : 'Without it, the server (and whoever runs it) can read the content.'),
    ),
    el('button', { id: 'create', type: 'submit' }, 'Create link'),
  );
}

function progressPanel(): HTMLElement {
  return el(
    'div',
    { id: 'progress', class: 'progress', hidden: true },
    el('label', { for: 'pow-progress' }, 'Proof of work'),
    el('progress', { id: 'pow-progress', max: '1', value: '0' }),
    el('p', { id: 'pow-text', class: 'help' }),
    el('label', { for: 'upload-progress' }, 'Upload'),
    el('progress', { id: 'upload-progress', max: '1', value: '0' }),
    el('p', { id: 'upload-text', class: 'help' }),
  );
}

function resultPanel(base: string): HTMLElement {
  return el(
    'section',
    { id: 'result', hidden: true, 'aria-labelledby': 'result-title' },
    el('h2', { id: 'result-title' }, 'Your link'),
    el('label', { for: 'link' }, 'Link (with its key: whoever has it can read the content)'),
    el('div', { class: 'row' }, el('input', { id: 'link', readonly: true, type: 'text', autocomplete: 'off', spellcheck: 'false' }), el('button', { id: 'copy', type: 'button' }, 'Copy link')),
    el('p', { id: 'result-note', class: 'help' }),
    el('p', {}, el('a', { href: `${base}/` }, 'Create another')),
  );
}

export async function renderCreate(root: HTMLElement, context: PageContext): Promise<void> {
  let info: ServerInfoJson;
  try {
    info = await getJson<ServerInfoJson>(`${context.base}/`);
  } catch (error) {
    root.append(...messageRegions());
    showError(`Cannot load this server's settings: ${describeFailure(error)}`);
    return;
  }
  root.append(form(info), progressPanel(), ...messageRegions(), resultPanel(context.base));
  wire(context, info);
  setState('ready');
}

function wire(context: PageContext, info: ServerInfoJson): void {
  const formNode = byId<HTMLFormElement>('create-form');
  const text = byId<HTMLTextAreaElement>('text');
  const fileInput = byId<HTMLInputElement>('file');
  const drop = byId<HTMLElement>('drop');
  const fileInfo = byId<HTMLElement>('file-info');
  const clearFile = byId<HTMLButtonElement>('clear-file');
  let chosen: File | null = null;

  const choose = (file: File | null) => {
    chosen = file;
    fileInfo.textContent = file ? `Chosen: ${file.name} (${formatBytes(file.size)}). It is shared instead of the text.` : 'A file is shared as a download link; it takes precedence over the text.';
    clearFile.hidden = file === null;
    if (file === null) fileInput.value = '';
  };
  fileInput.addEventListener('change', () => choose(fileInput.files?.[0] ?? null));
  clearFile.addEventListener('click', () => {
    choose(null);
    fileInput.focus();
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    if (event.dataTransfer) fileInput.files = event.dataTransfer.files;
    choose(file);
  });
  // A file dropped beside the zone must not make the browser navigate away from the page.
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => event.preventDefault());
  // Ctrl/Cmd+Enter in the text area submits (Enter alone is a new line there).
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      formNode.requestSubmit();
    }
  });
  byId<HTMLButtonElement>('copy').addEventListener('click', () => void copyLink());

  let busy = false;
  formNode.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    void create(context, info, chosen, text.value).finally(() => {
      busy = false;
    });
  });
}

function setFormDisabled(disabled: boolean): void {
  for (const node of byId<HTMLFormElement>('create-form').elements) {
    if (node instanceof HTMLButtonElement || node instanceof HTMLInputElement || node instanceof HTMLSelectElement || node instanceof HTMLTextAreaElement) {
      // The encryption checkbox stays disabled where the server requires encryption.
      if (node.id === 'encrypt' && node.dataset['forced'] === '1') continue;
      node.disabled = disabled;
    }
  }
}

async function create(context: PageContext, info: ServerInfoJson, file: File | null, text: string): Promise<void> {
  clearError();
  const encryptBox = byId<HTMLInputElement>('encrypt');
  const encrypt = encryptBox.checked || info.encryption_required;
  const content: Blob = file ?? new Blob([text], { type: 'text/plain; charset=utf-8' });
  if (content.size === 0) {
    showError(file ? 'Nothing to send: the file is empty.' : 'Nothing to send: write some text or choose a file.');
    (file ? byId('file') : byId('text')).focus();
    return;
  }
  const metadata: E2eMetadata = file ? { name: file.name, ...(file.type ? { type: file.type } : {}) } : {};
  const size = encrypt ? encryptedSize(content.size, metadata) : content.size;
  // Checked before anything is sent: a large upload would otherwise run only to be refused with a 413.
  if (size > info.limits.max_size) {
    showError(`Too large: ${formatBytes(size)}${encrypt ? ' once encrypted' : ''}, and this server accepts at most ${formatBytes(info.limits.max_size)} per item. Nothing was sent.`);
    return;
  }
  const expiry = byId<HTMLSelectElement>('expiry').value;
  const burn = byId<HTMLInputElement>('burn').checked;
  setState('creating');
  setFormDisabled(true);
  byId('progress').hidden = false;
  const powBar = byId<HTMLProgressElement>('pow-progress');
  const uploadBar = byId<HTMLProgressElement>('upload-progress');
  powBar.value = 0;
  uploadBar.value = 0;
  byId('pow-text').textContent = '';
  byId('upload-text').textContent = '';
  try {
    const key = encrypt ? newKey() : null;
    let body: Blob | FormData;
    const headers: Record<string, string> = {};
    if (key) {
      status('Encrypting…');
      body = await encryptBlob(globalThis.crypto.subtle as unknown as AesGcmSubtle, key, content, {
        metadata,
        onProgress: (done, total) => status(`Encrypting… ${Math.floor((100 * done) / Math.max(total, 1))} %`),
      });
      // The name is inside the ciphertext: no X-Filename, no multipart file name (as fpaste).
      headers['content-type'] = 'application/octet-stream';
    } else if (file) {
      const multipart = new FormData();
      multipart.append('file', file, file.name);
      body = multipart;
    } else {
      body = content;
      headers['content-type'] = 'text/plain; charset=utf-8';
    }
    if (expiry !== '') headers['x-expiry'] = expiry;
    if (burn) headers['x-burn-after-read'] = '1';
    const path = file ? `${context.base}/upload` : `${context.base}/`;
    const created = await withProofOfWork(
      context.base,
      context.workerUrl,
      async (pow) => {
        status('Uploading…');
        uploadBar.value = 0;
        const sent = await send<CreatedItemJson>('POST', path, { ...headers, ...pow }, body, (loaded, total) => {
          uploadBar.max = Math.max(total, 1);
          uploadBar.value = loaded;
          byId('upload-text').textContent = `${formatBytes(loaded)} of ${formatBytes(total)}`;
        });
        return sent.body;
      },
      ({ difficulty, hashes }) => {
        status('Solving the proof of work…');
        // About 2^difficulty hashes are expected; the bar never claims to be done before it is.
        const expected = 2 ** difficulty;
        powBar.max = 1;
        powBar.value = Math.min(hashes / expected, 0.99);
        byId('pow-text').textContent = `${(hashes / 1e6).toFixed(2)} million hashes (about ${(expected / 1e6).toFixed(2)} million expected)`;
      },
    );
    powBar.value = 1;
    uploadBar.value = uploadBar.max;
    showResult(created, file !== null, key);
  } catch (error) {
    setFormDisabled(false);
    byId('progress').hidden = true;
    showError(error instanceof PowError ? error.message : describeFailure(error));
  }
}

function showResult(created: CreatedItemJson, isFile: boolean, key: Uint8Array | null): void {
  const printed = isFile && created.download_url ? created.download_url : created.url;
  const link = key ? `${printed}#${encodeKey(key)}` : printed;
  byId('create-form').hidden = true;
  byId('progress').hidden = true;
  const linkInput = byId<HTMLInputElement>('link');
  linkInput.value = link;
  const notes: string[] = [];
  notes.push(key ? 'Encrypted in this browser: the server cannot read it. Anyone with the whole link can.' : 'Not encrypted: the server can read it.');
  if (created.burn_after_read) notes.push('It will be destroyed after it is read once.');
  if (created.expires_at !== null) notes.push(`It expires on ${new Date(created.expires_at * 1000).toLocaleString()}.`);
  if (created.delete_token) notes.push(`Delete token (shown only now; it lets you delete the item early): ${created.delete_token}`);
  byId('result-note').textContent = notes.join(' ');
  byId('result').hidden = false;
  status('Created. Copy the link and send it.');
  setState('created');
  linkInput.focus();
  linkInput.select();
}

async function copyLink(): Promise<void> {
  const linkInput = byId<HTMLInputElement>('link');
  try {
    await navigator.clipboard.writeText(linkInput.value);
    status('Link copied to the clipboard.');
    return;
  } catch {
    // No clipboard API (plain http, or permission refused): copy the selection the old way.
  }
  linkInput.focus();
  linkInput.select();
  const copied = document.execCommand('copy');
  status(copied ? 'Link copied to the clipboard.' : 'Copy failed: the link is selected, press Ctrl+C (Cmd+C) to copy it.');
}
