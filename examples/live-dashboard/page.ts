// Draws the dashboard in the page. Plain DOM, no framework. Every piece of text coming from the server is set with
// textContent (never innerHTML): messages are untrusted. Stable ids and data attributes for browser tests:
// #login-form, #status, #conversations (rows: tr[data-request-id]), #thread (li[data-message-id][data-kind]),
// #reply-form, #close-conversation, #sign-out.
import type { ClassifiedMessage } from 'tiledesk-sdk/messages';
import { Dashboard, type DashboardConfig, type DashboardState, type ThreadItem } from './dashboard.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

const safeUrl = (url: string) => (/^https?:\/\//i.test(url) ? url : undefined);

function buttonsOf(view: ClassifiedMessage): HTMLElement | string {
  const list = 'buttons' in view ? view.buttons : [];
  if (list.length === 0) return '';
  return el(
    'div',
    { class: 'buttons' },
    ...list.map((b) => (b.type === 'url' && b.link && safeUrl(b.link) ? el('a', { class: 'button', href: safeUrl(b.link), target: '_blank', rel: 'noopener' }, b.value ?? '') : el('span', { class: `button ${b.type ?? ''}` }, b.value ?? ''))),
  );
}

function bubble(view: ClassifiedMessage): (Node | string)[] {
  switch (view.kind) {
    case 'image': {
      const src = safeUrl(view.src);
      return [src ? el('img', { src, alt: view.text || 'image', width: String(view.width ?? ''), loading: 'lazy' }) : '', view.text ? el('p', {}, view.text) : '', buttonsOf(view)];
    }
    case 'gallery':
      return [
        el('div', { class: 'gallery' }, ...view.cards.map((c) => el('div', { class: 'card' }, el('strong', {}, c.title ?? ''), el('p', {}, c.description ?? ''), buttonsOf({ kind: 'text', text: '', buttons: c.buttons ?? [], message: view.message })))),
      ];
    case 'split':
      return [el('p', {}, String(view.message.text ?? '')), el('small', { class: 'note' }, 'split message (parts shown one by one in the widget)')];
    case 'html':
      return [el('p', {}, view.fallbackText), buttonsOf(view)];
    case 'file':
    case 'audio':
    case 'tts':
    case 'frame': {
      const src = safeUrl(view.src);
      return [src ? el('a', { href: src, target: '_blank', rel: 'noopener' }, `${view.kind}: ${src}`) : '', 'text' in view && view.text ? el('p', {}, view.text) : ''];
    }
    case 'redirect':
      return [el('small', { class: 'note' }, `redirect to ${view.link}`)];
    case 'private':
      return [el('small', { class: 'note' }, 'private note')];
    case 'invalid':
      return [el('p', {}, view.text)];
    default:
      return [el('p', {}, view.text), buttonsOf(view)];
  }
}

function threadItem(item: ThreadItem): HTMLElement {
  const classes = ['message', item.mine ? 'mine' : '', item.system ? 'system' : ''].filter(Boolean).join(' ');
  return el(
    'li',
    { class: classes, 'data-message-id': item.id, 'data-kind': item.view.kind },
    item.system ? '' : el('span', { class: 'sender' }, item.senderName),
    ...bubble(item.view),
    el('time', { datetime: item.createdAt }, new Date(item.createdAt).toLocaleTimeString()),
  );
}

function render(state: DashboardState, dashboard: Dashboard): void {
  byId('login').hidden = state.phase === 'live';
  byId('app').hidden = state.phase !== 'live';
  const status = byId('status');
  status.textContent = state.error ?? (state.phase === 'live' ? `${state.user?.name} · ${state.connection}` : state.phase);
  status.dataset.connection = String(state.connection);
  status.dataset.phase = state.phase;

  const tbody = byId('conversations');
  tbody.replaceChildren(
    ...state.rows.map((row) => {
      const tr = el(
        'tr',
        { 'data-request-id': row.requestId, 'data-status': row.status, class: [row.isNew ? 'new' : '', row.requestId === state.selected ? 'selected' : ''].filter(Boolean).join(' ') },
        el('td', { class: 'id' }, `#${row.shortId}`),
        el('td', {}, row.requester),
        el('td', {}, row.status),
        el('td', { class: 'text' }, row.firstText),
        el('td', {}, new Date(row.updatedAt).toLocaleTimeString()),
      );
      tr.addEventListener('click', () => dashboard.select(row.requestId));
      return tr;
    }),
  );
  byId('count').textContent = String(state.rows.length);

  byId('thread-title').textContent = state.selected ? `Conversation #${state.selected.slice(-6)}${state.selectedClosed ? ' (closed)' : ''}` : 'Select a conversation';
  byId('thread').replaceChildren(...state.thread.map(threadItem));
  byId<HTMLFormElement>('reply-form').hidden = !state.selected || state.selectedClosed;
  byId<HTMLButtonElement>('close-conversation').hidden = !state.selected || state.selectedClosed;
}

async function start(): Promise<void> {
  const config = (await (await fetch('./config.json')).json()) as DashboardConfig & { email?: string; password?: string };
  const dashboard = new Dashboard(config);
  dashboard.subscribe((state) => render(state, dashboard));
  render(dashboard.state, dashboard);

  const form = byId<HTMLFormElement>('login-form');
  if (config.email) byId<HTMLInputElement>('email').value = config.email;
  if (config.password) byId<HTMLInputElement>('password').value = config.password;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void dashboard.signIn(byId<HTMLInputElement>('email').value, byId<HTMLInputElement>('password').value);
  });
  byId<HTMLFormElement>('reply-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('reply-text');
    const text = input.value;
    input.value = '';
    dashboard.reply(text).catch((error: unknown) => alert(error instanceof Error ? error.message : String(error)));
  });
  byId('close-conversation').addEventListener('click', () => void dashboard.closeConversation());
  byId('sign-out').addEventListener('click', () => void dashboard.signOut());
  // Not when the page goes into the back/forward cache (`persisted`): it comes back with this dashboard, whose client
  // reconnects by itself (the browser closes the socket), where a closed one would stay closed.
  addEventListener('pagehide', (event) => event.persisted || void dashboard.signOut());
}

void start();
