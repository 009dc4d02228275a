// Building the page: elements from tag names, attributes and text only. User content enters the
// document exclusively as text nodes (textContent), never as markup.

type Child = Node | string | null | undefined | false;

export type State = 'loading' | 'ready' | 'await-click' | 'shown' | 'error' | 'creating' | 'created';

/**
 * An element with attributes (set with setAttribute: strings only) and children (strings become
 * text nodes).
 * @example el('button', { id: 'copy', type: 'button' }, 'Copy')
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | boolean> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** The element with this id, which the view just created (a missing one is a bug, not user input). */
export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing`);
  return node as T;
}

/** body[data-state]: what the browser tests (and assistive styling) wait on. */
export function setState(state: State): void {
  document.body.dataset['state'] = state;
}

/** The live status line (role=status). */
export function status(text: string): void {
  const node = document.getElementById('status');
  if (node) node.textContent = text;
}

/** Shows an error sentence in #error (role=alert) and puts the page in the error state. */
export function showError(text: string): void {
  const node = document.getElementById('error');
  if (node) {
    node.textContent = text;
    node.hidden = false;
  }
  status('');
  setState('error');
}

export function clearError(): void {
  const node = document.getElementById('error');
  if (node) {
    node.textContent = '';
    node.hidden = true;
  }
}

/** The status and error regions every view has, in this order. */
export function messageRegions(): HTMLElement[] {
  return [el('p', { id: 'status', role: 'status', 'aria-live': 'polite' }), el('p', { id: 'error', role: 'alert', hidden: true })];
}
