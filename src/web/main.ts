// The Sealbin page (issue 14): the server serves the same shell at `/`, `/{id}` and
// `/download/{phrase}` (below its URL prefix); this picks the view from the path. Everything is built
// with DOM calls and textContent; the end-to-end key is read from location.hash only and never sent,
// stored or logged.
import { el, setState, showError } from './dom.js';
import { describeFailure } from './messages.js';
import { routeFor } from './route.js';
import { renderCreate } from './views/create.js';
import type { PageContext } from './views/create.js';
import { renderPaste } from './views/paste.js';
import { renderShare } from './views/share.js';

function meta(name: string): string {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
}

const TITLES = { create: 'New paste', paste: 'Paste', share: 'Shared file' } as const;

async function start(): Promise<void> {
  const context: PageContext = { base: meta('sealbin-base').replace(/\/+$/, ''), workerUrl: meta('sealbin-worker') };
  const route = routeFor(location.pathname, context.base);
  const view = route.view === 'unknown' ? 'paste' : route.view;
  document.documentElement.lang = 'en';
  document.title = `${TITLES[view]} · Sealbin`;
  document.body.dataset['view'] = view;
  setState('loading');
  const root = document.getElementById('app');
  if (!root) return;
  root.replaceChildren(el('header', { class: 'top' }, el('h1', {}, el('a', { href: `${context.base}/` }, 'Sealbin')), el('p', { class: 'tagline' }, 'Encrypted pastes and file shares')));
  if (route.view !== 'create') {
    // A different key typed into the address bar applies at once; nothing was consumed yet by loading.
    addEventListener('hashchange', () => location.reload());
  }
  switch (route.view) {
    case 'create':
      return renderCreate(root, context);
    case 'paste':
      return renderPaste(root, context, route.id);
    case 'share':
      return renderShare(root, context, route.phrase);
    default:
      root.append(el('p', { id: 'status', role: 'status', 'aria-live': 'polite' }), el('p', { id: 'error', role: 'alert' }));
      return showError('This address is not a Sealbin link.');
  }
}

start().catch((error: unknown) => showError(describeFailure(error)));
