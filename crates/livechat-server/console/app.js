// The console's shell: sign-in, the header (availability, connection, sign-out), the chat
// lists, the open conversation, alerts, and the routes `#/`, `#/chat/<rid>`, `#/admin/<page>`.

import * as api from './api.js';
import { DdpClient } from './ddp.js';
import { h, replaceChildren, uniqueId, errorText } from './dom.js';
import { ChatStore, ChatLists } from './chats.js';
import { CannedResponses } from './canned.js';
import { Conversation } from './conversation.js';

const TITLE = 'Livechat console';
const root = document.getElementById('app');

// ---------------------------------------------------------------- sign-in

function showSignIn(message = '') {
  document.title = TITLE;
  root.className = 'app signed-out';
  const usernameId = uniqueId('username');
  const passwordId = uniqueId('password');
  const username = h('input', { id: usernameId, name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: passwordId, name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert' }, message);
  const submit = h('button', { type: 'submit', class: 'button primary wide' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin-form' },
    h('div', { class: 'field' }, h('label', { for: usernameId }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: passwordId }, 'Password'), password),
    error,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      await api.signIn(username.value.trim(), password.value);
      const me = await api.get('me');
      startConsole(me);
    } catch (failure) {
      if (failure instanceof api.ApiError && failure.status === 401) {
        error.textContent = 'Wrong username or password.';
      } else if (failure instanceof api.ApiError && failure.status === 429) {
        error.textContent = 'Too many attempts. Wait a moment and try again.';
      } else {
        error.textContent = `Could not sign in: ${errorText(failure)}`;
      }
      submit.disabled = false;
      password.select();
    }
  });
  replaceChildren(
    root,
    h(
      'main',
      { class: 'signin' },
      h('div', { class: 'signin-card' }, h('img', { src: new URL('./icon.svg', import.meta.url).href, alt: '', class: 'signin-logo', width: 40, height: 40 }), h('h1', {}, TITLE), h('p', { class: 'signin-intro' }, 'Sign in to answer your visitors.'), form),
    ),
  );
  username.focus();
}

// ---------------------------------------------------------------- the console

let current = null;

function startConsole(me) {
  if (current) current.stop();
  current = new ConsoleApp(me);
  current.start();
}

class ConsoleApp {
  constructor(me) {
    this.me = me;
    this.roles = me.roles || [];
    const { authToken } = api.credentials() || {};
    this.ddp = new DdpClient(authToken);
    this.store = new ChatStore({ api, ddp: this.ddp, me });
    this.canned = new CannedResponses({ api, ddp: this.ddp });
    this.conversation = null;
    this.adminPages = [];
    this.adminCleanup = null;
    this.lastChime = 0;
    this.listeners = [];
  }

  start() {
    this.build();
    this.ddp.addEventListener('status', (event) => this.renderConnection(event.detail));
    this.ddp.addEventListener('ready', (event) => this.onReady(event.detail));
    this.ddp.addEventListener('unauthorized', () => this.signedOut('Your session has ended. Sign in again.'));
    this.store.addEventListener('change', () => this.updateTitle());
    this.store.addEventListener('alert', (event) => this.alert(event.detail));
    this.on(window, 'hashchange', () => this.route());
    this.on(document, 'visibilitychange', () => {
      if (!document.hidden && this.store.openRid) this.store.markSeen(this.store.openRid);
    });
    this.stopSignedOut = api.onSignedOut(() => this.signedOut('Your session has ended. Sign in again.'));
    this.ddp.start();
    this.store.start();
    this.canned.start();
    this.store.refresh().catch((error) => this.notify(`Could not load the chats: ${errorText(error)}`, 'error'));
    this.adminLoading = this.loadAdmin();
    this.route();
  }

  on(target, type, listener) {
    target.addEventListener(type, listener);
    this.listeners.push(() => target.removeEventListener(type, listener));
  }

  stop() {
    this.stopped = true;
    this.listeners.forEach((remove) => remove());
    if (this.stopSignedOut) this.stopSignedOut();
    if (this.conversation) this.conversation.destroy();
    this.conversation = null;
    this.closeAdmin();
    this.store.stop();
    this.canned.stop();
    this.ddp.close();
    document.querySelectorAll('dialog').forEach((dialog) => dialog.remove());
  }

  signedOut(message) {
    if (this.stopped) return;
    this.stop();
    current = null;
    api.signOut().catch(() => {});
    showSignIn(message);
  }

  async signOut() {
    this.stop();
    current = null;
    try {
      await api.signOut();
    } catch {
      // The token is forgotten locally either way.
    }
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    showSignIn();
  }

  // ---- layout ----

  build() {
    root.className = 'app signed-in';
    const availableId = uniqueId('available');
    this.available = h('input', {
      id: availableId,
      type: 'checkbox',
      class: 'switch',
      checked: this.me.statusLivechat === 'available',
      onchange: () => this.setAvailable(this.available.checked),
    });
    this.connection = h('p', { class: 'connection connecting', role: 'status' }, 'Connecting…');
    this.notificationsButton = h(
      'button',
      {
        type: 'button',
        class: 'button small',
        hidden: !('Notification' in window) || Notification.permission !== 'default',
        onclick: async () => {
          try {
            await Notification.requestPermission();
          } catch {
            // Refused or unsupported: alerts stay on the page.
          }
          this.notificationsButton.hidden = Notification.permission !== 'default';
        },
      },
      'Enable notifications',
    );
    this.chatsLink = h('a', { href: '#/', class: 'chats-link' }, 'Chats');
    const header = h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { src: new URL('./icon.svg', import.meta.url).href, alt: '', width: 24, height: 24 }), h('h1', {}, TITLE)),
      this.chatsLink,
      h(
        'div',
        { class: 'topbar-controls' },
        h('span', { class: 'user-name' }, this.me.name || this.me.username),
        // Availability is an agent's: a manager or admin without the agent role has none.
        h(
          'div',
          { class: 'available-toggle', hidden: !this.roles.includes('livechat-agent') },
          this.available,
          h('label', { for: availableId }, 'Available'),
        ),
        this.connection,
        this.notificationsButton,
        h('button', { type: 'button', class: 'button small', onclick: () => this.signOut() }, 'Sign out'),
      ),
    );
    this.adminNav = h('nav', { class: 'admin-nav', 'aria-label': 'Administration', hidden: true });
    this.statusRegion = h('div', { class: 'notice info', role: 'status' });
    this.alertRegion = h('div', { class: 'notice error', role: 'alert' });
    this.lists = new ChatLists(this.store, {
      onTake: (inquiry) => this.take(inquiry),
      notify: (message, kind) => this.notify(message, kind),
    });
    this.placeholder = h(
      'div',
      { class: 'placeholder' },
      h('p', {}, 'Choose a chat from the lists, or take one from the queue.'),
    );
    this.chatPane = h('div', { class: 'chat-pane' }, this.placeholder);
    this.visitorPane = h('div', { class: 'visitor-pane' });
    this.workspace = h('div', { class: 'workspace' }, this.lists.element, this.chatPane, this.visitorPane);
    this.adminArea = h('section', { class: 'admin-area', hidden: true });
    this.main = h('main', { class: 'main' }, this.workspace, this.adminArea);
    replaceChildren(root, header, this.adminNav, h('div', { class: 'notices' }, this.statusRegion, this.alertRegion), this.main);
  }

  renderConnection(status) {
    const text = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…' }[status] || status;
    this.connection.textContent = text;
    this.connection.className = `connection ${status}`;
  }

  notify(message, kind = 'info') {
    const region = kind === 'error' ? this.alertRegion : this.statusRegion;
    region.textContent = message;
    clearTimeout(region.timer);
    region.timer = setTimeout(() => {
      region.textContent = '';
    }, kind === 'error' ? 10_000 : 5_000);
  }

  // ---- realtime ----

  onReady({ first }) {
    // Whatever happened while the socket was down (or before it came up) is read again.
    this.store.refresh({ force: !first }).catch(() => {});
    if (!first) {
      this.canned.reload();
      this.store.subscribeDepartmentQueues().catch(() => {});
      if (this.conversation) this.conversation.catchUp().catch(() => {});
    }
  }

  async setAvailable(available) {
    this.available.disabled = true;
    try {
      await api.post('livechat/agent.status', { status: available ? 'available' : 'not-available' });
      this.notify(available ? 'You are available for chats.' : 'You are not available for chats.');
      this.store.scheduleRefresh();
    } catch (error) {
      this.available.checked = !available;
      this.notify(`Could not change the availability: ${errorText(error)}`, 'error');
    } finally {
      this.available.disabled = false;
    }
  }

  async take(inquiry) {
    await api.post('livechat/inquiries.take', { inquiryId: inquiry._id });
    this.notify(`You took the chat with ${inquiry.name || 'the visitor'}.`);
    await this.store.refresh();
    this.navigate(`#/chat/${encodeURIComponent(inquiry.rid)}`);
  }

  // ---- alerts ----

  updateTitle() {
    const count = this.store.attentionCount();
    document.title = count > 0 ? `(${count}) ${TITLE}` : TITLE;
  }

  alert({ kind, rid, name, text }) {
    this.updateTitle();
    const now = Date.now();
    if (now - this.lastChime > 1000) {
      this.lastChime = now;
      try {
        const audio = new Audio('/sounds/chime.wav');
        const playing = audio.play();
        if (playing && playing.catch) playing.catch(() => {});
      } catch {
        // No audio: the title still tells.
      }
    }
    if ('Notification' in window && Notification.permission === 'granted') {
      try {
        const title = kind === 'message' ? `New message from ${name}` : `New chat: ${name}`;
        const notification = new Notification(title, { body: (text || '').slice(0, 140), tag: rid || kind });
        notification.onclick = () => {
          window.focus();
          if (rid) this.navigate(`#/chat/${encodeURIComponent(rid)}`);
          notification.close();
        };
      } catch {
        // Some browsers only allow notifications from a service worker.
      }
    }
  }

  // ---- routes ----

  navigate(hash) {
    if (location.hash === hash) this.route();
    else location.hash = hash;
  }

  route() {
    if (this.stopped) return;
    const hash = location.hash || '#/';
    const chat = /^#\/chat\/([^/]+)$/.exec(hash);
    const admin = /^#\/admin\/([^/]+)$/.exec(hash);
    if (admin) {
      this.showAdmin(decodeURIComponent(admin[1]));
      return;
    }
    this.closeAdmin();
    this.adminArea.hidden = true;
    this.workspace.hidden = false;
    if (chat) this.openChat(decodeURIComponent(chat[1]));
    else this.closeChat();
    this.renderAdminNav();
  }

  openChat(rid) {
    root.classList.add('route-chat');
    root.classList.remove('route-list');
    if (this.conversation && this.conversation.rid === rid) return;
    if (this.conversation) this.conversation.destroy();
    this.conversation = new Conversation(
      {
        api,
        ddp: this.ddp,
        me: this.me,
        store: this.store,
        canned: this.canned,
        notify: (message, kind) => this.notify(message, kind),
        navigate: (hash) => this.navigate(hash),
      },
      rid,
    );
    replaceChildren(this.chatPane, this.conversation.element);
    replaceChildren(this.visitorPane, this.conversation.visitorElement);
    this.store.setOpenRoom(rid);
    this.lists.render();
    this.conversation.start();
    this.conversation.focusComposer();
  }

  closeChat() {
    root.classList.add('route-list');
    root.classList.remove('route-chat');
    if (this.conversation) this.conversation.destroy();
    this.conversation = null;
    this.store.setOpenRoom(null);
    replaceChildren(this.chatPane, this.placeholder);
    replaceChildren(this.visitorPane);
    this.lists.render();
  }

  // ---- administration ----

  async loadAdmin() {
    let pages = [];
    try {
      const module = await import('./admin.js');
      pages = module.ADMIN_PAGES || [];
    } catch {
      pages = [];
    }
    if (this.stopped) return;
    const isAdmin = this.roles.includes('admin');
    this.adminPages = pages.filter((page) => isAdmin || (page.roles || []).some((role) => this.roles.includes(role)));
    this.renderAdminNav();
  }

  renderAdminNav() {
    if (!this.adminNav) return;
    if (!this.adminPages.length) {
      this.adminNav.hidden = true;
      return;
    }
    const active = /^#\/admin\/([^/]+)$/.exec(location.hash || '');
    const items = this.adminPages.map((page) =>
      h(
        'li',
        {},
        h('a', { href: `#/admin/${encodeURIComponent(page.id)}`, 'aria-current': active && decodeURIComponent(active[1]) === page.id ? 'page' : false }, page.title),
      ),
    );
    replaceChildren(this.adminNav, h('ul', {}, items));
    this.adminNav.hidden = false;
  }

  closeAdmin() {
    if (this.adminCleanup) {
      try {
        this.adminCleanup();
      } catch {
        // A page's cleanup failing must not break the navigation.
      }
    }
    this.adminCleanup = null;
    this.adminPageId = null;
  }

  async showAdmin(id) {
    root.classList.remove('route-chat', 'route-list');
    root.classList.add('route-admin');
    if (this.conversation) {
      this.conversation.destroy();
      this.conversation = null;
      this.store.setOpenRoom(null);
      replaceChildren(this.chatPane, this.placeholder);
      replaceChildren(this.visitorPane);
    }
    this.workspace.hidden = true;
    this.adminArea.hidden = false;
    this.renderAdminNav();
    if (this.adminPageId === id) return;
    this.closeAdmin();
    this.adminPageId = id;
    replaceChildren(this.adminArea, h('p', { class: 'loading' }, 'Loading…'));
    await this.adminLoading;
    if (this.stopped || this.adminPageId !== id) return;
    const page = this.adminPages.find((candidate) => candidate.id === id);
    const container = h('section', { class: 'admin-page' });
    replaceChildren(this.adminArea, container);
    if (!page) {
      container.append(h('h2', {}, 'Page not found'), h('p', {}, 'This page does not exist or is not available to you.'));
      return;
    }
    try {
      const cleanup = await page.render(container, {
        api,
        me: this.me,
        notify: (message, kind) => this.notify(message, kind),
      });
      if (typeof cleanup === 'function') this.adminCleanup = cleanup;
    } catch (error) {
      container.append(h('p', { class: 'form-error', role: 'alert' }, `Could not show the page: ${errorText(error)}`));
    }
  }
}

// ---------------------------------------------------------------- start

async function boot() {
  if (!api.credentials()) {
    showSignIn();
    return;
  }
  try {
    const me = await api.get('me');
    startConsole(me);
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 401) showSignIn('Your session has ended. Sign in again.');
    else showSignIn(`Could not reach the server: ${errorText(error)}`);
  }
}

document.addEventListener('click', (event) => {
  // Route changes on small screens start at the top of the page.
  const link = event.target.closest && event.target.closest('a[href^="#/"]');
  if (link) window.scrollTo(0, 0);
});

boot();
