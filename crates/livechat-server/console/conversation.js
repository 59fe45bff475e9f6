// The open chat: region "Conversation" (history paged backwards, live messages, typing both
// ways, retry-safe sending, editing and deleting one's own messages, canned responses,
// attachments: "Attach file", image previews and download links) and region "Visitor" (the
// visitor's details).

import { h, replaceChildren, linkify, timeElement, uniqueId, errorText } from './dom.js';
import { systemText, visitorName } from './chats.js';
import { openForwardDialog, openCloseDialog } from './dialogs.js';

const PAGE = 50;
const TYPING_IDLE_MS = 3000;
const TYPING_SHOWN_MS = 8000;

let fieldLabels = null;
/** The labels of the custom fields, by key (read once; keys are shown when unreadable). */
function customFieldLabels(api) {
  if (!fieldLabels) {
    fieldLabels = api
      .get('livechat/custom-fields', { count: 100 })
      .then((answer) => new Map((answer.customFields || []).map((field) => [field._id, field.label || field._id])))
      .catch(() => {
        fieldLabels = null;
        return new Map();
      });
  }
  return fieldLabels;
}

/** A paperclip, drawn beside (or, on small screens, instead of) the words "Attach file". */
function paperclipIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '18');
  svg.setAttribute('height', '18');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'attach-icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M21 11.5l-8.6 8.6a5.5 5.5 0 01-7.8-7.8l8.6-8.6a3.7 3.7 0 015.2 5.2l-8.6 8.6a1.8 1.8 0 01-2.6-2.6l7.9-7.9');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
}

/** A byte count for people: "812 bytes", "12.3 KB", "4.1 MB". */
export function formatSize(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return 'unknown size';
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Why an upload was refused, in words (the server's codes: SPEC section 16). */
function uploadErrorText(error) {
  const code = error && (error.errorType || error.error);
  switch (code) {
    case 'error-file-too-large':
      return 'the file is too large.';
    case 'error-type-not-allowed':
      return 'files of this type may not be sent.';
    case 'error-file-upload-disabled':
      return 'file uploads are switched off.';
    case 'error-no-file-uploaded':
      return 'no file arrived.';
    case 'room-closed':
      return 'the chat is closed.';
    case 'error-message-size-exceeded':
      return 'the message is too long.';
    default:
      if (error && error.status === 413) return 'the file is too large.';
      if (error && error.name === 'TypeError') return 'the upload did not reach the server (the file may be too large, or the connection dropped).';
      return errorText(error);
  }
}

function ts(value) {
  const time = Date.parse(value || '');
  return Number.isNaN(time) ? 0 : time;
}

export class Conversation {
  /**
   * `ctx`: {api, ddp, me, store, canned, notify, navigate}. `rid`: the room to show.
   */
  constructor(ctx, rid) {
    this.ctx = ctx;
    this.rid = rid;
    this.messages = new Map();
    this.pending = new Map();
    this.nodes = new Map();
    this.hasOlder = false;
    this.closed = false;
    this.typingPeople = new Map();
    this.typingSent = false;
    this.typingTimer = null;
    this.unsubscribers = [];
    this.cannedMatches = [];
    this.cannedActive = -1;
    this.destroyed = false;
    this.build();
  }

  get room() {
    return this.ctx.store.roomOf(this.rid);
  }

  /** The visitor's name: from the lists, the queue, or the visitor's own messages. */
  title() {
    const room = this.room;
    if (room) return visitorName(room);
    const inquiry = this.ctx.store.inquiryOf(this.rid);
    if (inquiry) return visitorName(inquiry);
    for (const message of this.messages.values()) {
      if (message.t === 'livechat-started' && message.u) return message.u.name || message.u.username;
    }
    return 'Chat';
  }

  build() {
    const { me } = this.ctx;
    this.heading = h('h2', { class: 'conversation-title' }, 'Chat');
    this.subtitle = h('p', { class: 'conversation-subtitle' });
    this.backButton = h(
      'button',
      { type: 'button', class: 'button back-button', onclick: () => this.ctx.navigate('#/') },
      'Back to chats',
    );
    this.forwardButton = h('button', { type: 'button', class: 'button', onclick: () => this.forward() }, 'Forward');
    this.closeButton = h('button', { type: 'button', class: 'button danger', onclick: () => this.closeChat() }, 'Close chat');
    this.joinButton = h('button', { type: 'button', class: 'button', hidden: true, onclick: () => this.join() }, 'Join chat');
    this.actions = h('div', { class: 'conversation-actions' }, this.joinButton, this.forwardButton, this.closeButton);

    this.olderButton = h(
      'button',
      { type: 'button', class: 'button small', hidden: true, onclick: () => this.loadOlder() },
      'Load older messages',
    );
    this.list = h('ol', { class: 'messages', 'aria-label': 'Messages' });
    this.scroller = h('div', { class: 'message-scroller', tabindex: '0', 'aria-label': 'Message history' }, this.olderButton, this.list);
    // The scroller is focusable for keyboard scrolling; give it a role that allows a name.
    this.scroller.setAttribute('role', 'group');
    this.loading = h('p', { class: 'loading' }, 'Loading messages…');
    this.typing = h('p', { class: 'typing', 'aria-live': 'polite' });
    this.closedNotice = h('p', { class: 'closed-notice', hidden: true }, 'This chat is closed.');

    const messageId = uniqueId('message-box');
    this.cannedId = uniqueId('canned');
    this.textarea = h('textarea', {
      id: messageId,
      name: 'message',
      rows: 2,
      autocomplete: 'off',
      placeholder: 'Type a message, or / for canned responses',
      'aria-controls': this.cannedId,
    });
    this.cannedList = h('ul', { id: this.cannedId, role: 'listbox', class: 'canned', 'aria-label': 'Canned responses', hidden: true });
    this.sendButton = h('button', { type: 'submit', class: 'button primary' }, 'Send');
    // "Attach file": the file input itself carries the name (its label looks like a button), so
    // the keyboard, screen readers and tests reach the one real control.
    const attachId = uniqueId('attach');
    this.fileInput = h('input', {
      id: attachId,
      type: 'file',
      class: 'attach-input visually-hidden',
      onchange: () => this.attachChosen(),
    });
    this.uploadError = h('p', { class: 'form-error upload-error', role: 'alert' });
    this.composer = h(
      'form',
      { class: 'composer' },
      h('label', { for: messageId, class: 'visually-hidden' }, 'Message'),
      this.fileInput,
      h('label', { for: attachId, class: 'button attach-button', title: 'Attach file' }, paperclipIcon(), h('span', { class: 'attach-text' }, 'Attach file')),
      h('div', { class: 'composer-box' }, this.cannedList, this.textarea),
      this.sendButton,
    );
    this.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendFromBox();
    });
    this.textarea.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.textarea.addEventListener('input', () => this.onInput());
    this.textarea.addEventListener('blur', () => {
      setTimeout(() => this.hideCanned(), 150);
      this.stopTyping();
    });

    this.element = h(
      'section',
      { class: 'conversation', 'aria-label': 'Conversation' },
      h(
        'div',
        { class: 'conversation-header' },
        this.backButton,
        h('div', { class: 'conversation-heading' }, this.heading, this.subtitle),
        this.actions,
      ),
      this.scroller,
      this.loading,
      this.typing,
      this.closedNotice,
      this.uploadError,
      this.composer,
    );
    this.visitorBody = h('div', { class: 'visitor-body' }, h('p', { class: 'loading' }, 'Loading…'));
    const visitorHeading = uniqueId('visitor-heading');
    this.visitorElement = h(
      'section',
      { class: 'visitor', 'aria-labelledby': visitorHeading },
      h('h2', { id: visitorHeading }, 'Visitor'),
      this.visitorBody,
    );
    this.me = me;
  }

  /** Starts loading and listening. */
  async start() {
    const { ddp, store } = this.ctx;
    this.unsubscribers.push(
      ddp.subscribe(
        'stream-room-messages',
        this.rid,
        (args) => args.forEach((message) => this.onMessage(message)),
        (error) => {
          if (error) this.ctx.notify('This chat is no longer available to you.', 'error');
        },
      ),
      ddp.subscribe('stream-notify-room', `${this.rid}/typing`, (args) => this.onTyping(args)),
      ddp.subscribe('stream-notify-room', `${this.rid}/deleteMessage`, (args) => {
        for (const item of args || []) if (item && item._id) this.removeMessage(item._id);
      }),
      ddp.subscribe('stream-livechat-room', this.rid, () => store.scheduleRefresh()),
    );
    const onStoreChange = () => this.renderHeader();
    store.addEventListener('change', onStoreChange);
    this.unsubscribers.push(() => store.removeEventListener('change', onStoreChange));
    const onCanned = () => this.updateCanned();
    this.ctx.canned.addEventListener('change', onCanned);
    this.unsubscribers.push(() => this.ctx.canned.removeEventListener('change', onCanned));
    this.renderHeader();
    try {
      await this.loadLatest();
    } catch (error) {
      this.loading.textContent = `Could not load the messages: ${errorText(error)}`;
      return;
    }
    this.loading.hidden = true;
    this.renderHeader();
    this.loadVisitor();
  }

  destroy() {
    this.destroyed = true;
    if (this.previewObserver) this.previewObserver.disconnect();
    for (const entry of (this.blobs || new Map()).values()) {
      entry.then((url) => url && URL.revokeObjectURL(url), () => {});
    }
    this.blobs = null;
    this.stopTyping();
    this.unsubscribers.forEach((unsubscribe) => unsubscribe());
    this.unsubscribers = [];
    for (const timer of this.typingPeople.values()) clearTimeout(timer.timer);
  }

  focusComposer() {
    if (!this.composer.hidden) this.textarea.focus();
  }

  // ---- history ----

  history(params) {
    return this.ctx.api.get(`livechat/messages.history/${encodeURIComponent(this.rid)}`, params);
  }

  async loadLatest() {
    const answer = await this.history({ limit: PAGE });
    const messages = answer.messages || [];
    this.hasOlder = messages.length >= PAGE;
    this.merge(messages);
    this.render({ toBottom: true });
  }

  async loadOlder() {
    const oldest = this.sorted()[0];
    if (!oldest) return;
    this.olderButton.disabled = true;
    const before = this.scroller.scrollHeight - this.scroller.scrollTop;
    try {
      const answer = await this.history({ limit: PAGE, end: oldest.ts });
      const messages = answer.messages || [];
      this.hasOlder = messages.length >= PAGE;
      this.merge(messages);
      this.render();
      this.scroller.scrollTop = this.scroller.scrollHeight - before;
    } catch (error) {
      this.ctx.notify(`Could not load older messages: ${errorText(error)}`, 'error');
    } finally {
      this.olderButton.disabled = false;
    }
  }

  /** After a reconnect: reads back from the newest message until it meets what is shown. */
  async catchUp() {
    const shown = this.sorted().filter((message) => !message.pending);
    const newest = shown[shown.length - 1];
    const newestTs = newest ? ts(newest.ts) : 0;
    let end;
    for (let page = 0; page < 20; page += 1) {
      const params = { limit: 100 };
      if (end) params.end = end;
      const answer = await this.history(params);
      const messages = answer.messages || [];
      this.merge(messages);
      const oldest = messages[messages.length - 1];
      if (!oldest || messages.length < 100 || ts(oldest.ts) <= newestTs) break;
      end = oldest.ts;
    }
    this.render({ toBottom: this.nearBottom() });
    this.ctx.store.markSeen(this.rid);
  }

  merge(messages) {
    for (const message of messages) {
      if (!message || !message._id) continue;
      this.messages.set(message._id, message);
      this.pending.delete(message._id);
      if (message.t === 'livechat-close') this.closed = true;
    }
  }

  sorted() {
    const all = [...this.messages.values()].sort((a, b) => ts(a.ts) - ts(b.ts));
    const pending = [...this.pending.values()].sort((a, b) => a.order - b.order);
    return [...all, ...pending];
  }

  // ---- live events ----

  onMessage(message) {
    if (!message || message.rid !== this.rid) return;
    const stick = this.nearBottom();
    this.merge([message]);
    if (message.u && message.u.username) this.clearTyping(message.u.username);
    this.render({ toBottom: stick || (message.u && message.u._id === this.me._id) });
    if (!document.hidden) this.ctx.store.markSeen(this.rid);
    if (message.t === 'livechat-close') this.renderHeader();
  }

  removeMessage(id) {
    this.messages.delete(id);
    this.render();
    this.ctx.store.onMessageDeleted(this.rid, id);
  }

  onTyping(args) {
    const [username, typing] = args || [];
    if (!username || username === this.me.username) return;
    if (typing) {
      const previous = this.typingPeople.get(username);
      if (previous) clearTimeout(previous.timer);
      const timer = setTimeout(() => this.clearTyping(username), TYPING_SHOWN_MS);
      this.typingPeople.set(username, { timer });
    } else {
      this.clearTyping(username);
      return;
    }
    this.renderTyping();
  }

  clearTyping(username) {
    const entry = this.typingPeople.get(username);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.typingPeople.delete(username);
    this.renderTyping();
  }

  displayNameOf(username) {
    const room = this.room;
    if (room && room.v && room.v.username === username) return this.title();
    for (const message of this.messages.values()) {
      if (message.u && message.u.username === username && message.u.name) return message.u.name;
    }
    return username;
  }

  renderTyping() {
    const names = [...this.typingPeople.keys()].map((username) => this.displayNameOf(username));
    if (!names.length) this.typing.textContent = '';
    else if (names.length === 1) this.typing.textContent = `${names[0]} is typing…`;
    else this.typing.textContent = `${names.join(', ')} are typing…`;
  }

  // ---- own typing ----

  onInput() {
    this.updateCanned();
    if (this.closed) return;
    if (this.textarea.value.trim() === '') {
      this.stopTyping();
      return;
    }
    if (!this.typingSent) {
      this.typingSent = true;
      this.sendTyping(true);
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (!this.typingSent) return;
    this.typingSent = false;
    this.sendTyping(false);
  }

  sendTyping(flag) {
    this.ctx.ddp.call('stream-notify-room', [`${this.rid}/typing`, this.me.username, flag]).catch(() => {
      // Typing is best effort.
    });
  }

  // ---- sending ----

  onKeyDown(event) {
    if (event.isComposing) return;
    const cannedOpen = !this.cannedList.hidden && this.cannedMatches.length > 0;
    if (cannedOpen) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        const count = this.cannedMatches.length;
        this.cannedActive = (this.cannedActive + step + count) % count;
        this.renderCannedActive();
        return;
      }
      if ((event.key === 'Tab' && !event.shiftKey) || (event.key === 'Enter' && !event.shiftKey)) {
        event.preventDefault();
        this.insertCanned(this.cannedMatches[Math.max(0, this.cannedActive)]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        this.hideCanned();
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      this.sendFromBox();
    }
  }

  sendFromBox() {
    const text = this.textarea.value;
    if (!text.trim()) return;
    this.uploadError.textContent = '';
    this.textarea.value = '';
    this.hideCanned();
    this.stopTyping();
    this.send(text);
  }

  send(text) {
    const id = this.ctx.api.newMessageId();
    this.pendingOrder = (this.pendingOrder || 0) + 1;
    this.pending.set(id, {
      _id: id,
      rid: this.rid,
      msg: text,
      ts: new Date().toISOString(),
      u: { _id: this.me._id, username: this.me.username, name: this.me.name },
      pending: 'sending',
      order: this.pendingOrder,
    });
    this.render({ toBottom: true });
    this.deliver(id);
  }

  async deliver(id) {
    const item = this.pending.get(id);
    if (!item) return;
    item.pending = 'sending';
    item.error = null;
    this.render();
    try {
      const answer = await this.ctx.api.post('chat.sendMessage', { message: { rid: this.rid, msg: item.msg, _id: id } });
      if (answer && answer.message) this.onMessage(answer.message);
      else this.pending.delete(id);
      this.render();
    } catch (error) {
      const current = this.pending.get(id);
      if (!current) return;
      current.pending = 'failed';
      current.error = errorText(error);
      this.render();
    }
  }

  discard(id) {
    const item = this.pending.get(id);
    if (item && item.abort) item.abort.abort();
    this.pending.delete(id);
    this.render();
  }

  // ---- attachments ----

  /** Sends the file chosen with "Attach file", with the message box's text as its `msg`. */
  attachChosen() {
    const files = [...(this.fileInput.files || [])];
    this.fileInput.value = '';
    if (!files.length || this.closed) return;
    const text = this.textarea.value.trim() ? this.textarea.value : '';
    if (text) {
      this.textarea.value = '';
      this.hideCanned();
      this.stopTyping();
    }
    this.uploadError.textContent = '';
    files.forEach((file, index) => this.upload(file, index === 0 ? text : ''));
  }

  upload(file, text) {
    // A local id only: an upload carries no id of ours, the server's message replaces it.
    const id = `upload-${this.ctx.api.newMessageId()}`;
    this.pendingOrder = (this.pendingOrder || 0) + 1;
    const abort = new AbortController();
    this.pending.set(id, {
      _id: id,
      rid: this.rid,
      msg: text,
      ts: new Date().toISOString(),
      u: { _id: this.me._id, username: this.me.username, name: this.me.name },
      pending: 'uploading',
      upload: { name: file.name || 'file', size: file.size },
      abort,
      order: this.pendingOrder,
    });
    this.render({ toBottom: true });
    this.ctx.api
      .upload(this.rid, file, { msg: text, signal: abort.signal })
      .then((message) => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        if (message) this.onMessage(message);
        else this.render();
      })
      .catch((error) => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        this.render();
        if (error && error.name === 'AbortError') return;
        this.uploadError.textContent = `Could not send ${file.name || 'the file'}: ${uploadErrorText(error)}`;
        // The text went with the file: give it back rather than lose it.
        if (text && !this.textarea.value) this.textarea.value = text;
      });
  }

  // ---- editing ----

  startEdit(message) {
    const node = this.nodes.get(message._id);
    if (!node) return;
    const id = uniqueId('edit');
    const input = h('textarea', { id, rows: 2, value: message.msg || '' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const finish = () => {
      delete node.dataset.editing;
      node.dataset.version = '';
      this.render();
      this.textarea.focus();
    };
    const cancel = finish;
    const form = h(
      'form',
      { class: 'edit-form' },
      h('label', { for: id, class: 'visually-hidden' }, 'Edit message text'),
      input,
      error,
      h(
        'div',
        { class: 'edit-actions' },
        h('button', { type: 'button', class: 'button small', onclick: cancel }, 'Cancel'),
        h('button', { type: 'submit', class: 'button small primary' }, 'Save'),
      ),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = input.value;
      if (!text.trim()) {
        error.textContent = 'A message cannot be empty.';
        return;
      }
      if (text === message.msg) {
        cancel();
        return;
      }
      try {
        const answer = await this.ctx.api.post('chat.update', { roomId: this.rid, msgId: message._id, text });
        if (answer && answer.message) this.merge([answer.message]);
        finish();
      } catch (failure) {
        error.textContent = `Could not edit: ${errorText(failure)}`;
      }
    });
    input.addEventListener('keydown', (event) => {
      if (event.isComposing) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        cancel();
      } else if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    node.dataset.editing = 'true';
    const body = node.querySelector('.message-body');
    body.replaceChildren(form);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  async deleteMessage(message) {
    try {
      await this.ctx.api.post('chat.delete', { roomId: this.rid, msgId: message._id });
      this.removeMessage(message._id);
      this.textarea.focus();
    } catch (error) {
      this.ctx.notify(`Could not delete the message: ${errorText(error)}`, 'error');
    }
  }

  // ---- drawing ----

  nearBottom() {
    const scroller = this.scroller;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  render({ toBottom = false } = {}) {
    if (this.destroyed) return;
    const items = this.sorted();
    const keep = new Set(items.map((message) => message._id));
    for (const [id, node] of this.nodes) {
      if (!keep.has(id)) {
        node.remove();
        this.nodes.delete(id);
      }
    }
    let previous = null;
    for (const message of items) {
      const version = [
        message.msg,
        message.editedAt || '',
        message.ls || '',
        message.pending || '',
        message.error || '',
        (message.attachments || []).map((attachment) => `${attachment.title_link}|${attachment.image_url || ''}`).join(','),
      ].join('|');
      let node = this.nodes.get(message._id);
      if (!node) {
        node = h('li');
        this.nodes.set(message._id, node);
      }
      if (node.dataset.version !== version && node.dataset.editing !== 'true') {
        this.drawMessage(node, message);
        node.dataset.version = version;
      }
      const expected = previous ? previous.nextSibling : this.list.firstChild;
      if (expected !== node) this.list.insertBefore(node, expected);
      previous = node;
    }
    this.olderButton.hidden = !this.hasOlder;
    this.list.hidden = items.length === 0;
    if (toBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
    this.renderHeader();
  }

  drawMessage(node, message) {
    delete node.dataset.editing;
    node.replaceChildren();
    if (message.t) {
      node.className = 'message system';
      node.append(h('span', { class: 'system-text' }, systemText(message)), ' ', timeElement(message.ts));
      return;
    }
    const own = message.u && message.u._id === this.me._id;
    const room = this.room;
    const fromVisitor = room && room.v ? message.u && message.u._id === room.v._id : !own;
    const side = own ? ' own' : fromVisitor ? ' from-visitor' : ' from-agent';
    node.className = `message${side}${message.pending ? ` ${message.pending}` : ''}`;
    const author = (message.u && (message.u.name || message.u.username)) || 'Unknown';
    const meta = h(
      'div',
      { class: 'message-meta' },
      h('span', { class: 'author' }, message.alias || author),
      ' ',
      timeElement(message.ts),
      message.editedAt ? h('span', { class: 'edited' }, ' (edited)') : null,
    );
    const body = h('div', { class: 'message-body' });
    if (message.msg || !(message.attachments || []).length) body.append(h('p', { class: 'message-text' }, linkify(message.msg || '')));
    body.append(...this.drawAttachments(message));
    node.append(meta, body);
    if (message.pending === 'uploading') {
      node.append(
        h(
          'div',
          { class: 'message-state upload-state' },
          h('span', {}, `Uploading ${message.upload.name} (${formatSize(message.upload.size)})…`),
          ' ',
          h('button', { type: 'button', class: 'button small', 'aria-label': `Cancel the upload of ${message.upload.name}`, onclick: () => this.discard(message._id) }, 'Cancel'),
        ),
      );
    } else if (message.pending === 'sending') {
      node.append(h('p', { class: 'message-state' }, 'Sending…'));
    } else if (message.pending === 'failed') {
      node.append(
        h(
          'div',
          { class: 'message-state failed-state' },
          h('span', {}, `Not sent: ${message.error || 'error'}`),
          ' ',
          h('button', { type: 'button', class: 'button small', onclick: () => this.deliver(message._id) }, 'Retry'),
          ' ',
          h('button', { type: 'button', class: 'button small', onclick: () => this.discard(message._id) }, 'Discard'),
        ),
      );
    } else if (own && !this.closed) {
      const hasFile = Boolean(message.file || (message.attachments || []).length);
      node.append(
        h(
          'div',
          { class: 'message-actions' },
          hasFile && !message.msg
            ? null
            : h('button', { type: 'button', class: 'button small quiet', 'aria-label': 'Edit message', onclick: () => this.startEdit(message) }, 'Edit'),
          h('button', { type: 'button', class: 'button small quiet', 'aria-label': 'Delete message', onclick: () => this.deleteMessage(message) }, 'Delete'),
        ),
      );
    }
  }

  /**
   * The files of a message: an image as a preview (its thumbnail when it has one, named by the
   * file's name) and every file as a download link with its size. Only this origin's
   * `/file-upload/` paths are used, fetched with the user's headers (never credentials in a
   * URL); the page shows them from `blob:` URLs.
   */
  drawAttachments(message) {
    if (message.pending === 'uploading') return [];
    const { api } = this.ctx;
    const files = message.files || (message.file ? [message.file] : []);
    const sizeOf = (link) => {
      const id = /^\/file-upload\/([^/?#]+)\//.exec(link || '');
      const file = id && files.find((entry) => entry && entry._id === decodeURIComponent(id[1]));
      return file && typeof file.size === 'number' ? file.size : null;
    };
    let attachments = (message.attachments || []).filter((attachment) => attachment && attachment.title_link);
    if (!attachments.length && message.file && message.file._id) {
      attachments = [{
        title: message.file.name,
        title_link: `/file-upload/${encodeURIComponent(message.file._id)}/${encodeURIComponent(message.file.name || 'file')}`,
      }];
    }
    const nodes = [];
    for (const attachment of attachments) {
      const path = api.filePath(attachment.title_link);
      if (!path) continue;
      const name = String(attachment.title || 'file');
      const figure = h('div', { class: 'attachment' });
      const imagePath = attachment.image_url && api.filePath(attachment.image_url);
      if (imagePath) {
        const dimensions = attachment.image_dimensions || {};
        // The thumbnail keeps the original's proportions: its space is kept before it loads.
        const scale = dimensions.width && dimensions.height ? Math.min(1, 480 / Math.max(dimensions.width, dimensions.height)) : 0;
        const image = h('img', {
          class: 'attachment-image',
          alt: name,
          width: scale ? Math.max(1, Math.round(dimensions.width * scale)) : 160,
          height: scale ? Math.max(1, Math.round(dimensions.height * scale)) : 120,
        });
        this.showPreview(image, imagePath);
        figure.append(image);
      }
      const size = sizeOf(attachment.title_link);
      const link = h('a', { href: path, download: name, class: 'attachment-link' }, `Download ${name}`);
      const state = h('span', { class: 'attachment-state', 'aria-live': 'polite' });
      link.addEventListener('click', (event) => {
        event.preventDefault();
        this.downloadFile(path, name, state);
      });
      figure.append(
        h(
          'p',
          { class: 'attachment-file' },
          link,
          size === null ? null : h('span', { class: 'attachment-size' }, ` (${formatSize(size)})`),
          ' ',
          state,
        ),
      );
      if (attachment.description) figure.append(h('p', { class: 'attachment-description' }, attachment.description));
      nodes.push(figure);
    }
    return nodes;
  }

  /** The `blob:` URL of a stored file (fetched once per conversation). */
  blobUrl(path) {
    if (this.destroyed) return Promise.resolve(null);
    if (!this.blobs) this.blobs = new Map();
    let entry = this.blobs.get(path);
    if (!entry) {
      entry = this.ctx.api.fetchFile(path).then((blob) => {
        if (this.destroyed) return null;
        return URL.createObjectURL(blob);
      });
      entry.catch(() => this.blobs && this.blobs.delete(path));
      this.blobs.set(path, entry);
    }
    return entry;
  }

  /** Loads an image's preview once it comes near the visible part of the conversation. */
  showPreview(image, path) {
    const load = () => {
      this.blobUrl(path).then(
        (url) => {
          if (url) image.src = url;
        },
        () => {
          image.classList.add('failed');
          image.title = 'The preview could not be loaded.';
        },
      );
    };
    if (typeof IntersectionObserver === 'undefined') {
      load();
      return;
    }
    if (!this.previewObserver) {
      this.previewObserver = new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            this.previewObserver.unobserve(entry.target);
            const loader = this.previewLoaders.get(entry.target);
            this.previewLoaders.delete(entry.target);
            if (loader) loader();
          }
        },
        { root: this.scroller, rootMargin: '400px 0px' },
      );
      this.previewLoaders = new WeakMap();
    }
    this.previewLoaders.set(image, load);
    this.previewObserver.observe(image);
  }

  /** "Download <name>": fetches the file with the user's headers and saves it as `name`. */
  async downloadFile(path, name, state) {
    if (state.dataset.busy === 'true') return;
    state.dataset.busy = 'true';
    state.textContent = 'Downloading…';
    try {
      const blob = await this.ctx.api.fetchFile(path);
      const url = URL.createObjectURL(blob);
      const save = h('a', { href: url, download: name, hidden: true });
      document.body.append(save);
      save.click();
      save.remove();
      // The browser has taken the bytes once the download started.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      state.textContent = '';
    } catch (error) {
      state.textContent = '';
      this.ctx.notify(`Could not download ${name}: ${errorText(error)}`, 'error');
    } finally {
      delete state.dataset.busy;
    }
  }

  renderHeader() {
    if (this.destroyed) return;
    const room = this.room;
    this.heading.textContent = this.title();
    if (room && !room.open) this.closed = true;
    const servedBy = room && room.servedBy;
    const store = this.ctx.store;
    let subtitle = '';
    if (this.closed) subtitle = 'Closed';
    else if (servedBy && servedBy._id === this.me._id) subtitle = 'You are serving this chat';
    else if (servedBy) subtitle = `Served by ${servedBy.username}`;
    else if (room || store.inquiryOf(this.rid)) subtitle = 'Waiting in the queue';
    this.subtitle.textContent = subtitle;
    const wasClosed = this.closedNotice.hidden === false;
    this.closedNotice.hidden = !this.closed;
    this.composer.hidden = this.closed;
    this.fileInput.disabled = this.closed;
    this.forwardButton.hidden = this.closed;
    this.closeButton.hidden = this.closed;
    // A manager who is also an agent may pick up a waiting chat from here (room.join takes it).
    const isAgent = (this.me.roles || []).includes('livechat-agent');
    this.joinButton.hidden = this.closed || !store.isManager || !isAgent || !room || Boolean(servedBy);
    if (this.closed && !wasClosed) {
      // Own messages lose their edit buttons once closed.
      for (const node of this.nodes.values()) node.dataset.version = '';
      this.render();
    }
  }

  // ---- visitor ----

  async loadVisitor() {
    let room = this.room;
    let visitorId = room && room.v && room.v._id;
    if (!visitorId) {
      const inquiry = this.ctx.store.inquiryOf(this.rid);
      visitorId = inquiry && inquiry.v && inquiry.v._id;
    }
    if (!visitorId) {
      const started = [...this.messages.values()].find((message) => message.t === 'livechat-started');
      visitorId = started && started.u && started.u._id;
    }
    if (!visitorId) {
      replaceChildren(this.visitorBody, h('p', { class: 'empty' }, 'No details.'));
      return;
    }
    try {
      const answer = await this.ctx.api.get('livechat/visitors.info', { visitorId });
      if (this.destroyed) return;
      this.renderVisitor(answer.visitor || {});
    } catch (error) {
      if (this.destroyed) return;
      replaceChildren(this.visitorBody, h('p', { class: 'empty' }, `Could not load the details: ${errorText(error)}`));
    }
  }

  async renderVisitor(visitor) {
    const rows = [];
    const add = (label, value) => {
      if (value === undefined || value === null || value === '') return;
      rows.push(h('dt', {}, label), h('dd', {}, Array.isArray(value) ? value.map((item) => h('span', { class: 'value-line' }, item)) : String(value)));
    };
    add('Name', visitor.name);
    add('Username', visitor.username);
    const emails = (visitor.visitorEmails || []).map((email) => email.address).filter(Boolean);
    if (emails.length) add(emails.length > 1 ? 'E-mails' : 'E-mail', emails);
    const phones = (visitor.phone || []).map((phone) => phone.phoneNumber).filter(Boolean);
    if (phones.length) add(phones.length > 1 ? 'Phones' : 'Phone', phones);
    let department = visitor.department || (this.room && this.room.departmentId);
    if (department) {
      try {
        const answer = await this.ctx.api.get(`livechat/department/${encodeURIComponent(department)}`);
        if (answer.department && answer.department.name) department = answer.department.name;
      } catch {
        // Shown by id.
      }
      add('Department', department);
    }
    const fields = visitor.livechatData || {};
    if (Object.keys(fields).length) {
      const labels = await customFieldLabels(this.ctx.api);
      for (const [key, value] of Object.entries(fields)) {
        if (/token/i.test(key)) continue;
        add(labels.get(key) || key, typeof value === 'object' ? JSON.stringify(value) : value);
      }
    }
    if (this.destroyed) return;
    replaceChildren(this.visitorBody, rows.length ? h('dl', { class: 'details' }, rows) : h('p', { class: 'empty' }, 'No details.'));
  }

  // ---- canned responses ----

  updateCanned() {
    const value = this.textarea.value;
    const match = /^\/(\S*)$/.exec(value);
    if (!match) {
      this.hideCanned();
      return;
    }
    const matches = this.ctx.canned.match(match[1]);
    this.cannedMatches = matches;
    if (!matches.length) {
      this.hideCanned();
      return;
    }
    this.cannedActive = 0;
    const options = matches.map((response, index) =>
      h(
        'li',
        {
          role: 'option',
          id: `${this.cannedId}-${index}`,
          class: 'canned-option',
          'aria-selected': 'false',
          onmousedown: (event) => event.preventDefault(),
          onclick: () => this.insertCanned(response),
        },
        h('span', { class: 'canned-shortcut' }, `/${response.shortcut}`),
        ' ',
        h('span', { class: 'canned-text' }, response.text),
      ),
    );
    replaceChildren(this.cannedList, options);
    this.cannedList.hidden = false;
    this.renderCannedActive();
  }

  renderCannedActive() {
    [...this.cannedList.children].forEach((option, index) => {
      option.setAttribute('aria-selected', index === this.cannedActive ? 'true' : 'false');
      if (index === this.cannedActive) option.scrollIntoView({ block: 'nearest' });
    });
    if (this.cannedActive >= 0) this.textarea.setAttribute('aria-activedescendant', `${this.cannedId}-${this.cannedActive}`);
  }

  hideCanned() {
    this.cannedList.hidden = true;
    this.textarea.removeAttribute('aria-activedescendant');
    this.cannedMatches = [];
    this.cannedActive = -1;
  }

  insertCanned(response) {
    if (!response) return;
    this.textarea.value = response.text;
    this.hideCanned();
    this.textarea.focus();
    this.textarea.setSelectionRange(this.textarea.value.length, this.textarea.value.length);
    this.onInput();
  }

  // ---- actions ----

  roomForActions() {
    return this.room || { _id: this.rid };
  }

  forward() {
    openForwardDialog({
      api: this.ctx.api,
      me: this.me,
      room: this.roomForActions(),
      onDone: () => {
        this.ctx.notify('Chat forwarded.', 'info');
        this.ctx.store.scheduleRefresh();
        if (!this.ctx.store.isManager) this.ctx.navigate('#/');
      },
    }).catch((error) => this.ctx.notify(errorText(error), 'error'));
  }

  closeChat() {
    openCloseDialog({
      api: this.ctx.api,
      room: this.roomForActions(),
      onDone: () => {
        this.closed = true;
        this.ctx.notify('Chat closed.', 'info');
        this.renderHeader();
        this.ctx.store.scheduleRefresh();
      },
    }).catch((error) => this.ctx.notify(errorText(error), 'error'));
  }

  async join() {
    try {
      await this.ctx.api.get('livechat/room.join', { roomId: this.rid });
      this.ctx.notify('You joined the chat.', 'info');
      await this.ctx.store.refresh();
    } catch (error) {
      this.ctx.notify(`Could not join: ${errorText(error)}`, 'error');
    }
  }
}
